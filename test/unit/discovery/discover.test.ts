import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ProjectDiscovery } from '../../../functions/discovery/discover.js';
import { accountLimiter } from '../../../functions/http/account-limit.js';
import type { Failure, ListedProject, ProjectListing } from '../../../functions/providers/types.js';
import { MemorySpill, manualClock } from '../../support/fakes.js';

/** A provider of no name: discovery must work through any listing the capability hands it. */
function fakeListing(answers: Array<ListedProject[] | Failure>): ProjectListing & { calls: number } {
  const listing = {
    calls: 0,
    credentials: z.object({ account: z.string() }),
    defaults: { includeInactive: false, maxProjects: 10, listingCacheMs: 60_000 },
    cacheKey: (credentials: { account: string }) => credentials.account,
    projectKeys: (project: ListedProject) => ({ room: project.id }),
    async list() {
      const answer = answers[Math.min(listing.calls, answers.length - 1)] as ListedProject[] | Failure;
      listing.calls++;
      return Array.isArray(answer)
        ? { ok: true as const, projects: answer }
        : { ok: false as const, failure: answer };
    },
  };
  return listing;
}

const ROOMS: ListedProject[] = [
  { id: 'r1', name: 'lobby', active: true },
  { id: 'r2', name: 'stage', active: false },
];
const DOWN: Failure = { outcome: 'upstream', httpStatus: 503, message: 'HTTP 503: down', retryable: true };

function request(listing: ProjectListing, account = 'a1', cacheMs = 60_000) {
  return {
    listing,
    baseUrl: 'https://rooms.example.com',
    credentials: { account },
    cacheMs,
    timeoutMs: 1_000,
    maxProjects: 10,
    account,
    limit: accountLimiter(2),
  };
}

describe('ProjectDiscovery, through a provider-neutral listing', () => {
  it('lists once per account per cache period, however many ask at once', async () => {
    const clock = manualClock();
    const listing = fakeListing([ROOMS]);
    const discovery = new ProjectDiscovery(new MemorySpill(), clock.now);
    const [first, second] = await Promise.all([
      discovery.list(request(listing)),
      discovery.list(request(listing)),
    ]);
    expect(first).toMatchObject({ source: 'listing', projects: ROOMS });
    expect(second).toBe(first);
    expect(await discovery.list(request(listing))).toMatchObject({
      source: 'cache',
      projects: ROOMS,
      requests: 0,
    });
    await discovery.list(request(listing, 'a2'));
    expect(listing.calls).toBe(2);
  });

  it('falls back to the last good listing when listing fails, and says why', async () => {
    const clock = manualClock();
    const listing = fakeListing([ROOMS, DOWN]);
    const discovery = new ProjectDiscovery(new MemorySpill(), clock.now);
    await discovery.list(request(listing));
    clock.advance(60_000);
    expect(await discovery.list(request(listing))).toMatchObject({
      source: 'fallback',
      projects: ROOMS,
      failure: DOWN,
    });
  });

  it('keeps the listing in the store for the next process (a cold start)', async () => {
    const clock = manualClock();
    const store = new MemorySpill();
    await new ProjectDiscovery(store, clock.now).list(request(fakeListing([ROOMS])));
    const failing = fakeListing([DOWN]);
    clock.advance(120_000);
    const result = await new ProjectDiscovery(store, clock.now).list(request(failing));
    expect(result).toMatchObject({ source: 'fallback', projects: ROOMS });
  });

  it('reports none when the first listing fails', async () => {
    const result = await new ProjectDiscovery(undefined, manualClock().now).list(
      request(fakeListing([DOWN])),
    );
    expect(result).toEqual({ projects: [], source: 'none', failure: DOWN, requests: 0 });
  });
});
