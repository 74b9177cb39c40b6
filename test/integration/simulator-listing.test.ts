import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedProject, Simulator } from '../../simulator/server.js';
import {
  DEFAULT_SIMULATOR_CREDENTIALS,
  DEFAULT_SIMULATOR_PROJECTS,
  startSimulator,
} from '../../simulator/server.js';

/** Monday 2025-01-06 20:00 UTC, so that timestamps of added projects are predictable. */
const NOW = Date.UTC(2025, 0, 6, 20, 0, 0);
const { userId, apikey } = DEFAULT_SIMULATOR_CREDENTIALS.streampixel;

interface StatusBody {
  totalProjects: number;
  projects: { _id: string; name: string; status: boolean; subscriptionStatus: string }[];
}

interface PageBody {
  projects: {
    id: string;
    name: string;
    region: string;
    status: 'active' | 'inactive';
    createdAt: string;
    updatedAt: string;
  }[];
  page: number;
  totalPages: number;
  totalProjects: number;
}

interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

function statusPath(query: Record<string, string> = { userId, apikey }): string {
  return `/pixelStripeApi/projects/projects-status?${new URLSearchParams(query)}`;
}

function pagePath(query: Record<string, string> = {}): string {
  return `/pixelStripeApi/projects?${new URLSearchParams({ userId, ...query })}`;
}

async function getJson<T = unknown>(sim: Simulator, path: string): Promise<Answer<T>> {
  const res = await fetch(`${sim.url}${path}`);
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

/** Every project the paginated listing holds, page after page. */
async function allPages(sim: Simulator, limit: number): Promise<PageBody['projects']> {
  const first = await getJson<PageBody>(sim, pagePath({ limit: String(limit) }));
  const rest = await Promise.all(
    Array.from({ length: Math.max(0, first.body.totalPages - 1) }, (_, i) =>
      getJson<PageBody>(sim, pagePath({ page: String(i + 2), limit: String(limit) })),
    ),
  );
  return [first, ...rest].flatMap((answer) => answer.body.projects);
}

describe('the default project list', () => {
  it('holds 45 projects with unique ObjectId-like ids', () => {
    expect(DEFAULT_SIMULATOR_PROJECTS).toHaveLength(45);
    const ids = DEFAULT_SIMULATOR_PROJECTS.map((p) => p.id);
    expect(new Set(ids).size).toBe(45);
    for (const id of ids) {
      expect(id).toMatch(/^64f1c0ffee[0-9a-f]{14}$/);
    }
  });

  it('mixes 20 eu, 15 us and 10 ap projects, each in its region', () => {
    const byPrefix = (prefix: string) => DEFAULT_SIMULATOR_PROJECTS.filter((p) => p.name.startsWith(prefix));
    expect(byPrefix('eu-')).toHaveLength(20);
    expect(byPrefix('us-')).toHaveLength(15);
    expect(byPrefix('ap-')).toHaveLength(10);
    expect(DEFAULT_SIMULATOR_PROJECTS[0]?.name).toBe('eu-001');
    expect(DEFAULT_SIMULATOR_PROJECTS.at(-1)?.name).toBe('ap-010');
    const regions = new Map([
      ['eu', 'eu-west-1'],
      ['us', 'us-east-1'],
      ['ap', 'ap-southeast-1'],
    ]);
    for (const project of DEFAULT_SIMULATOR_PROJECTS) {
      expect(project.region).toBe(regions.get(project.name.slice(0, 2)));
    }
  });

  it('has exactly one inactive project, and ISO timestamps in order', () => {
    expect(DEFAULT_SIMULATOR_PROJECTS.filter((p) => !p.active).map((p) => p.name)).toEqual(['us-007']);
    for (const project of DEFAULT_SIMULATOR_PROJECTS) {
      expect(new Date(project.createdAt).toISOString()).toBe(project.createdAt);
      expect(new Date(project.updatedAt).toISOString()).toBe(project.updatedAt);
      expect(project.updatedAt >= project.createdAt).toBe(true);
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DEFAULT_SIMULATOR_PROJECTS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_SIMULATOR_PROJECTS[0])).toBe(true);
  });
});

describe('simulator project listings', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ now: () => NOW });
  });

  afterAll(async () => {
    await sim.close();
  });

  describe('projects-status', () => {
    it('lists every project at once', async () => {
      const { status, body, headers } = await getJson<StatusBody>(sim, statusPath());
      expect(status).toBe(200);
      expect(headers.get('content-type')).toMatch(/^application\/json/);
      expect(body.totalProjects).toBe(45);
      expect(body.projects).toHaveLength(45);
      expect(body.projects[0]).toEqual({
        _id: DEFAULT_SIMULATOR_PROJECTS[0]?.id,
        name: 'eu-001',
        status: true,
        subscriptionStatus: 'active',
      });
      expect(body.projects.filter((p) => !p.status)).toEqual([
        expect.objectContaining({ name: 'us-007', status: false, subscriptionStatus: 'canceled' }),
      ]);
      expect(body.projects.map((p) => p._id)).toEqual(DEFAULT_SIMULATOR_PROJECTS.map((p) => p.id));
    });

    it('wants both parameters, then checks the userId, then the apikey', async () => {
      const missing = { status: 400, body: { message: 'userId and apikey are required' } };
      expect(await getJson(sim, statusPath({}))).toMatchObject(missing);
      expect(await getJson(sim, statusPath({ userId }))).toMatchObject(missing);
      expect(await getJson(sim, statusPath({ apikey }))).toMatchObject(missing);
      expect(await getJson(sim, statusPath({ userId: 'someone-else', apikey }))).toMatchObject({
        status: 401,
        body: { message: 'Invalid User' },
      });
      expect(await getJson(sim, statusPath({ userId, apikey: 'wrong' }))).toMatchObject({
        status: 401,
        body: { message: 'Unauthorized: Invalid API Key' },
      });
    });
  });

  describe('paginated projects', () => {
    it('pages 45 projects by 20 by default: 20, 20, 5', async () => {
      const pages = await Promise.all([
        getJson<PageBody>(sim, pagePath()),
        getJson<PageBody>(sim, pagePath({ page: '2' })),
        getJson<PageBody>(sim, pagePath({ page: '3', limit: '20' })),
      ]);
      expect(pages.map((p) => p.status)).toEqual([200, 200, 200]);
      expect(pages.map((p) => p.body.projects.length)).toEqual([20, 20, 5]);
      expect(pages.map((p) => [p.body.page, p.body.totalPages, p.body.totalProjects])).toEqual([
        [1, 3, 45],
        [2, 3, 45],
        [3, 3, 45],
      ]);
      const listed = pages.flatMap((p) => p.body.projects);
      expect(listed.map((p) => p.id)).toEqual(DEFAULT_SIMULATOR_PROJECTS.map((p) => p.id));
      const first = DEFAULT_SIMULATOR_PROJECTS[0] as SimulatedProject;
      expect(listed[0]).toEqual({
        id: first.id,
        name: 'eu-001',
        region: 'eu-west-1',
        status: 'active',
        createdAt: first.createdAt,
        updatedAt: first.updatedAt,
      });
      expect(listed.filter((p) => p.status === 'inactive').map((p) => p.name)).toEqual(['us-007']);
    });

    it('answers an empty page past the end', async () => {
      const { status, body } = await getJson<PageBody>(sim, pagePath({ page: '4' }));
      expect(status).toBe(200);
      expect(body).toEqual({ projects: [], page: 4, totalPages: 3, totalProjects: 45 });
    });

    it('accepts limits from 1 to 100', async () => {
      const one = await getJson<PageBody>(sim, pagePath({ limit: '1', page: '45' }));
      expect(one.body).toMatchObject({ page: 45, totalPages: 45, totalProjects: 45 });
      expect(one.body.projects.map((p) => p.name)).toEqual(['ap-010']);
      const hundred = await getJson<PageBody>(sim, pagePath({ limit: '100' }));
      expect(hundred.body.projects).toHaveLength(45);
      expect(hundred.body.totalPages).toBe(1);
      expect(await allPages(sim, 7)).toHaveLength(45);
    });

    it('refuses a limit above 100, and unusable page or limit values', async () => {
      const badLimit = { status: 400, body: { message: 'limit must be an integer between 1 and 100' } };
      for (const limit of ['101', '0', '-5', '2.5', 'abc']) {
        expect(await getJson(sim, pagePath({ limit }))).toMatchObject(badLimit);
      }
      for (const page of ['0', '-1', '1.5', 'x']) {
        expect(await getJson(sim, pagePath({ page }))).toMatchObject({
          status: 400,
          body: { message: 'page must be a positive integer' },
        });
      }
    });

    it('needs only the userId, and answers a wrong or missing one with 401', async () => {
      const invalid = { status: 401, body: { message: 'Invalid User' } };
      expect(await getJson(sim, '/pixelStripeApi/projects?userId=someone-else')).toMatchObject(invalid);
      expect(await getJson(sim, '/pixelStripeApi/projects')).toMatchObject(invalid);
      expect((await getJson(sim, '/pixelStripeApi/projects?apikey=wrong&userId=sim-user-0001')).status).toBe(
        200,
      );
    });
  });

  it('leaves the stats routes alone, and their ids answer normally', async () => {
    for (const project of [DEFAULT_SIMULATOR_PROJECTS[0], DEFAULT_SIMULATOR_PROJECTS.at(-1)]) {
      const query = new URLSearchParams({ userId, apikey });
      for (const kind of ['liveStats', 'userStats']) {
        const answer = await getJson(sim, `/pixelStripeApi/projects/${kind}/${project?.id}?${query}`);
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({ liveUser: expect.any(Number), queueUser: expect.any(Number) });
      }
    }
    expect((await getJson(sim, `/pixelStripeApi/projects/liveStats?userId=${userId}`)).status).toBe(404);
    expect((await getJson(sim, `/pixelStripeApi/projects/?userId=${userId}`)).status).toBe(404);
  });

  it('records listings in served as streampixel.projects', async () => {
    const before = sim.served.length;
    await getJson(sim, statusPath());
    await getJson(sim, pagePath({ limit: '500' }));
    expect(
      sim.served.slice(before).map(({ endpoint, project, at, status }) => [endpoint, project, at, status]),
    ).toEqual([
      ['streampixel.projects', '', NOW, 200],
      ['streampixel.projects', '', NOW, 400],
    ]);
  });
});

describe('simulator listing controls', () => {
  it('answers 404 for projects-status when only the paginated listing exists', async () => {
    const sim = await startSimulator({ listing: 'paginated-only' });
    try {
      expect(await getJson(sim, statusPath())).toMatchObject({ status: 404, body: { message: 'Not found' } });
      expect((await getJson<PageBody>(sim, pagePath())).body.totalProjects).toBe(45);
      expect(sim.listingRequests).toBe(2);
    } finally {
      await sim.close();
    }
  });

  it('refuses an unknown listing mode and duplicate project ids', async () => {
    await expect(startSimulator({ listing: 'none' as 'both' })).rejects.toThrow(RangeError);
    const twice = [DEFAULT_SIMULATOR_PROJECTS[0], DEFAULT_SIMULATOR_PROJECTS[0]] as SimulatedProject[];
    await expect(startSimulator({ projects: twice })).rejects.toThrow(/appears twice/);
  });

  it('serves a given project list, and leaves it untouched', async () => {
    const projects: SimulatedProject[] = [
      {
        id: 'aaaaaaaaaaaaaaaaaaaaaaaa',
        name: 'solo',
        region: 'eu-central-1',
        active: true,
        createdAt: '2024-05-01T00:00:00.000Z',
        updatedAt: '2024-05-02T00:00:00.000Z',
      },
    ];
    const sim = await startSimulator({ projects, now: () => NOW });
    try {
      sim.addProject();
      expect(projects).toHaveLength(1);
      const { body } = await getJson<StatusBody>(sim, statusPath());
      expect(body.projects.map((p) => p.name)).toEqual(['solo', 'eu-new-1']);
    } finally {
      await sim.close();
    }
  });

  it('shows a project added between two listings in the next one', async () => {
    const sim = await startSimulator({ now: () => NOW });
    try {
      const before = await allPages(sim, 20);
      const added = sim.addProject();
      expect(added).toEqual({
        id: expect.stringMatching(/^64f1c0ffee[0-9a-f]{14}$/),
        name: 'eu-new-1',
        region: 'eu-west-1',
        active: true,
        createdAt: new Date(NOW).toISOString(),
        updatedAt: new Date(NOW).toISOString(),
      });
      expect(before.map((p) => p.id)).not.toContain(added.id);

      const after = await getJson<PageBody>(sim, pagePath({ page: '3' }));
      expect(after.body).toMatchObject({ totalPages: 3, totalProjects: 46 });
      expect(after.body.projects.at(-1)).toMatchObject({ id: added.id, name: 'eu-new-1', status: 'active' });
      const status = await getJson<StatusBody>(sim, statusPath());
      expect(status.body.totalProjects).toBe(46);
      expect(status.body.projects.at(-1)).toEqual({
        _id: added.id,
        name: 'eu-new-1',
        status: true,
        subscriptionStatus: 'active',
      });

      const second = sim.addProject({ name: 'ap-late', active: false });
      expect(second).toMatchObject({ name: 'ap-late', region: 'ap-southeast-1', active: false });
      expect(second.id).not.toBe(added.id);
      expect(sim.addProject().name).toBe('eu-new-3');
      expect(() => sim.addProject({ id: added.id })).toThrow(/already taken/);
      expect((await getJson<PageBody>(sim, pagePath({ page: '3' }))).body.projects.at(-2)).toMatchObject({
        name: 'ap-late',
        status: 'inactive',
      });

      const query = new URLSearchParams({ userId, apikey });
      const stats = await getJson(sim, `/pixelStripeApi/projects/userStats/${added.id}?${query}`);
      expect(stats.status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('fails both listings on demand until reset, and leaves the stats alone', async () => {
    const sim = await startSimulator();
    try {
      sim.failListing(500);
      for (const path of [statusPath(), pagePath()]) {
        expect(await getJson(sim, path)).toMatchObject({
          status: 500,
          body: { message: 'Internal server error' },
        });
      }
      // The outage comes before the credential check.
      expect((await getJson(sim, statusPath({ userId: 'x', apikey: 'y' }))).status).toBe(500);
      const stats = await getJson(sim, `/pixelStripeApi/projects/liveStats/p1?userId=${userId}`);
      expect(stats.status).toBe(200);

      sim.failListing(429);
      for (const path of [statusPath(), pagePath()]) {
        const answer = await getJson(sim, path);
        expect(answer).toMatchObject({
          status: 429,
          body: { message: 'Rate limit exceeded. Try again in 1 minute.' },
        });
        expect(answer.headers.get('retry-after')).toBe('60');
      }

      sim.failListing(undefined);
      expect((await getJson(sim, statusPath())).status).toBe(200);
      expect((await getJson(sim, pagePath())).status).toBe(200);

      expect(() => sim.failListing(200)).toThrow(RangeError);
      expect(() => sim.failListing(600)).toThrow(RangeError);
    } finally {
      await sim.close();
    }
  });

  it('counts the listing requests it answered, errors included, stats excluded', async () => {
    const sim = await startSimulator();
    try {
      expect(sim.listingRequests).toBe(0);
      await getJson(sim, statusPath());
      await getJson(sim, pagePath());
      await getJson(sim, pagePath({ page: '2' }));
      await getJson(sim, statusPath({ userId: 'wrong', apikey }));
      await getJson(sim, `/pixelStripeApi/projects/liveStats/p1?userId=${userId}`);
      await getJson(sim, '/pixelStripeApi/projects/other');
      expect(sim.listingRequests).toBe(4);
      sim.failListing(503);
      await getJson(sim, pagePath());
      expect(sim.listingRequests).toBe(5);
      sim.served.length = 0;
      expect(sim.listingRequests).toBe(5);
    } finally {
      await sim.close();
    }
  });

  it('records the highest concurrency per Streampixel userId', async () => {
    const sim = await startSimulator({ latencyMs: 150 });
    try {
      expect(sim.maxInFlightByUser.size).toBe(0);
      const stats = (id: string) =>
        `/pixelStripeApi/projects/userStats/${id}?${new URLSearchParams({ userId, apikey })}`;
      const answers = await Promise.all([
        getJson(sim, stats('p1')),
        getJson(sim, stats('p2')),
        getJson(sim, `/pixelStripeApi/projects/liveStats/p3?userId=${userId}`),
        getJson(sim, statusPath()),
        getJson(sim, pagePath()),
        getJson(sim, statusPath({ userId: 'other-user', apikey })),
        getJson(sim, pagePath({ userId: 'other-user' })),
        getJson(sim, '/pixelStripeApi/projects'),
        getJson(sim, '/imkit/acme/admin/connection-count?userId=imkit-user'),
      ]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 401, 401, 401, 401]);
      expect(sim.maxInFlight).toBe(9);
      expect(new Map(sim.maxInFlightByUser)).toEqual(
        new Map([
          [userId, 5],
          ['other-user', 2],
        ]),
      );

      // Sequential requests never raise the peak, and a quicker server keeps it.
      sim.setLatency(0);
      for (let i = 0; i < 3; i++) {
        await getJson(sim, pagePath());
      }
      await getJson(sim, pagePath({ userId: 'third-user' }));
      expect(sim.maxInFlightByUser.get(userId)).toBe(5);
      expect(sim.maxInFlightByUser.get('third-user')).toBe(1);
    } finally {
      await sim.close();
    }
  });
});
