import { createHash } from 'node:crypto';
import type { AccountLimit } from '../http/account-limit.js';
import { httpGet, TransportError } from '../http/get.js';
import { failureOfTransport } from '../providers/failures.js';
import type { AnyProjectListing, Failure, ListedProject, ListingFetch } from '../providers/types.js';
import type { SpillStore } from '../spill/store.js';

/** A listing as kept in memory and in the store. */
interface Listing {
  listedAt: number;
  projects: ListedProject[];
}

export interface DiscoveryRequest {
  /** The provider's listing knowledge (an adapter's `capabilities.discovery`). */
  listing: AnyProjectListing;
  /** The target's `baseUrl`, else its endpoint's default. */
  baseUrl: string | undefined;
  /** Read with `listing.credentials`. */
  credentials: unknown;
  /** Milliseconds a listing is reused. */
  cacheMs: number;
  /** Milliseconds per listing request. */
  timeoutMs: number;
  /** The most projects expected: a listing stops rather than follow a runaway number of pages. */
  maxProjects: number;
  account: string;
  limit: AccountLimit;
  signal?: AbortSignal;
}

export interface DiscoveryResult {
  /** The account's projects: freshly listed, cached, or the last good listing when this one failed. */
  projects: ListedProject[];
  source: 'listing' | 'cache' | 'fallback' | 'none';
  listedAt?: number;
  /** Why listing failed this time (then `source` is `fallback` or `none`). */
  failure?: Failure;
  /** Listing requests made. */
  requests: number;
}

/**
 * Lists the projects of accounts, once per account per cache period however many targets and runs ask: in
 * memory while the process lives (warm Lambda, the CLI's loop) and in the spill store across cold starts. What
 * to request and how to read it is the provider's listing (`capabilities.discovery`); the cache, the per-account
 * cap and the fallback to the last good listing are this class's.
 */
export class ProjectDiscovery {
  private readonly memory = new Map<string, Listing>();
  private readonly inFlight = new Map<string, Promise<DiscoveryResult>>();

  constructor(
    private readonly store?: SpillStore,
    private readonly now: () => number = Date.now,
  ) {}

  list(request: DiscoveryRequest): Promise<DiscoveryResult> {
    const key = `${request.baseUrl}|${request.listing.cacheKey(request.credentials)}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.resolve(key, request).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async resolve(key: string, request: DiscoveryRequest): Promise<DiscoveryResult> {
    const cached = this.memory.get(key) ?? (await this.fromStore(key));
    if (cached && this.now() - cached.listedAt < request.cacheMs) {
      return { projects: cached.projects, source: 'cache', listedAt: cached.listedAt, requests: 0 };
    }
    const listed = await this.fetchListing(request);
    if (listed.ok) {
      const listing = { listedAt: this.now(), projects: listed.projects };
      this.memory.set(key, listing);
      await this.store?.writeState(stateName(key), JSON.stringify(listing)).catch(() => undefined);
      return {
        projects: listing.projects,
        source: 'listing',
        listedAt: listing.listedAt,
        requests: listed.requests,
      };
    }
    if (cached) {
      return {
        projects: cached.projects,
        source: 'fallback',
        listedAt: cached.listedAt,
        failure: listed.failure,
        requests: listed.requests,
      };
    }
    return { projects: [], source: 'none', failure: listed.failure, requests: listed.requests };
  }

  private async fromStore(key: string): Promise<Listing | undefined> {
    const text = await this.store?.readState(stateName(key)).catch(() => undefined);
    if (!text) return undefined;
    try {
      const listing = JSON.parse(text) as Listing;
      if (typeof listing.listedAt !== 'number' || !Array.isArray(listing.projects)) return undefined;
      this.memory.set(key, listing);
      return listing;
    } catch {
      return undefined;
    }
  }

  private async fetchListing(
    request: DiscoveryRequest,
  ): Promise<
    | { ok: true; projects: ListedProject[]; requests: number }
    | { ok: false; failure: Failure; requests: number }
  > {
    let requests = 0;
    const fetch: ListingFetch = (providerRequest, parse) => {
      requests++;
      return request.limit(request.account, async () => {
        try {
          return parse(
            await httpGet(providerRequest, {
              timeoutMs: request.timeoutMs,
              ...(request.signal ? { signal: request.signal } : {}),
            }),
          );
        } catch (error) {
          if (error instanceof TransportError)
            return { ok: false as const, failure: failureOfTransport(error) };
          throw error;
        }
      });
    };
    const listed = await request.listing.list(
      request.baseUrl,
      request.credentials,
      fetch,
      request.maxProjects,
    );
    return { ...listed, requests };
  }
}

function stateName(key: string): string {
  return `discovery-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}
