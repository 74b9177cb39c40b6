import { createHash } from 'node:crypto';
import type { AccountLimit } from '../http/account-limit.js';
import { httpGet, TransportError } from '../http/get.js';
import { failureOfTransport } from '../providers/failures.js';
import {
  type ListedProject,
  type ListingCredentials,
  type ListingPage,
  PAGE_SIZE,
  parseProjectsPage,
  parseProjectsStatus,
  projectsPageRequest,
  projectsStatusRequest,
} from '../providers/streampixel/projects.js';
import type { Failure, ProviderRequest, ProviderResponse } from '../providers/types.js';
import type { SpillStore } from '../spill/store.js';

/** A listing as kept in memory and in the store. */
interface Listing {
  listedAt: number;
  projects: ListedProject[];
}

export interface DiscoveryRequest {
  baseUrl: string;
  credentials: ListingCredentials;
  /** Milliseconds a listing is reused. */
  cacheMs: number;
  /** Milliseconds per listing request. */
  timeoutMs: number;
  /** Stops following pages past what `maxProjects` can need, plus slack: a runaway `totalPages` is not followed. */
  maxPages: number;
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
 * Lists the projects of Streampixel accounts, once per account per cache period however many targets and runs
 * ask: in memory while the process lives (warm Lambda, the CLI's loop) and in the spill store across cold
 * starts. `projects-status` first when the secret has an `apikey`; the paginated listing when that answers 404
 * or there is no `apikey`, every page followed.
 */
export class ProjectDiscovery {
  private readonly memory = new Map<string, Listing>();
  private readonly inFlight = new Map<string, Promise<DiscoveryResult>>();

  constructor(
    private readonly store?: SpillStore,
    private readonly now: () => number = Date.now,
  ) {}

  list(request: DiscoveryRequest): Promise<DiscoveryResult> {
    const { credentials } = request;
    const key = `${request.baseUrl}|${credentials.userId}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.resolve(key, credentials, request).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async resolve(
    key: string,
    credentials: ListingCredentials,
    request: DiscoveryRequest,
  ): Promise<DiscoveryResult> {
    const cached = this.memory.get(key) ?? (await this.fromStore(key));
    if (cached && this.now() - cached.listedAt < request.cacheMs) {
      return { projects: cached.projects, source: 'cache', listedAt: cached.listedAt, requests: 0 };
    }
    const listed = await this.fetchListing(credentials, request);
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
    credentials: ListingCredentials,
    request: DiscoveryRequest,
  ): Promise<
    | { ok: true; projects: ListedProject[]; requests: number }
    | { ok: false; failure: Failure; requests: number }
  > {
    let requests = 0;
    const get = async (
      providerRequest: ProviderRequest,
      parse: (response: ProviderResponse) => ListingPage,
    ) => {
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
    if (credentials.apikey) {
      const all = await get(projectsStatusRequest(request.baseUrl, credentials), parseProjectsStatus);
      if (all.ok) return { ok: true, projects: all.projects, requests };
      // An account on the older API answers 404 here: the paginated listing is the way in.
      if (all.failure.httpStatus !== 404) return { ok: false, failure: all.failure, requests };
    }
    const projects: ListedProject[] = [];
    for (let page = 1; ; page++) {
      const answer = await get(projectsPageRequest(request.baseUrl, credentials, page), parseProjectsPage);
      if (!answer.ok) return { ok: false, failure: answer.failure, requests };
      projects.push(...answer.projects);
      if (page >= answer.totalPages || answer.projects.length === 0) break;
      if (page >= request.maxPages) {
        const message = `listing has ${answer.totalPages} pages; stopped after ${page} (maxProjects)`;
        return {
          ok: false,
          failure: { outcome: 'discovery', httpStatus: 200, message, retryable: false },
          requests,
        };
      }
    }
    return { ok: true, projects, requests };
  }
}

/** Pages the paginated listing may need for `maxProjects`, with one page of slack. */
export function pagesFor(maxProjects: number): number {
  return Math.ceil(maxProjects / PAGE_SIZE) + 1;
}

function stateName(key: string): string {
  return `discovery-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}
