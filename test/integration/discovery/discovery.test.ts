import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { parseConfig } from '../../../functions/config/load.js';
import type { Config } from '../../../functions/config/schema.js';
import { ProjectDiscovery } from '../../../functions/discovery/discover.js';
import { LineProtocolPrinter } from '../../../functions/influx/dry-run.js';
import { collect, type RunSummary } from '../../../functions/run/collect.js';
import { planOnce } from '../../../functions/schedule/plan.js';
import { FileSecretSource } from '../../../functions/secrets/file.js';
import { RunSecrets } from '../../../functions/secrets/run-secrets.js';
import { DirectorySpillStore } from '../../../functions/spill/directory.js';
import { DEFAULT_SIMULATOR_CREDENTIALS } from '../../../simulator/config.js';
import {
  DEFAULT_SIMULATOR_PROJECTS,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from '../../../simulator/server.js';
import { memoryLog } from '../../support/run.js';

let simulator: Simulator;
const dir = tempDir();
const { streampixel } = DEFAULT_SIMULATOR_CREDENTIALS;

async function start(options: SimulatorOptions = {}): Promise<void> {
  simulator = await startSimulator(options);
}
afterEach(async () => {
  await simulator?.close();
});

function configOf(target: Record<string, unknown>, top: Record<string, unknown> = {}): Config {
  return parseConfig({
    influx: { url: 'http://127.0.0.1:9', apiVersion: 1, database: 'x' },
    targets: [
      {
        name: 'account',
        endpoint: 'streampixel.liveStats',
        baseUrl: simulator.url,
        secret: 'sp',
        interval: '10s',
        ...target,
      },
    ],
    ...top,
  });
}

async function secrets(apikey = true) {
  const secret = apikey ? streampixel : { userId: streampixel.userId };
  return FileSecretSource.load(dir.file(`secrets-${apikey}.json`, { sp: secret }));
}

const nowhere = () => new LineProtocolPrinter(new Writable({ write: (_c, _e, done) => done() }));

async function runOnce(config: Config, discovery: ProjectDiscovery, apikey = true): Promise<RunSummary> {
  const now = Date.now();
  return collect(
    {
      samples: planOnce(config.targets, now),
      waitForSchedule: false,
      stopSamplingAt: now + 20_000,
      finishBy: now + 30_000,
    },
    {
      secrets: new RunSecrets(await secrets(apikey)),
      sink: nowhere(),
      log: memoryLog(),
      concurrency: 32,
      maxInFlightPerAccount: config.maxInFlightPerAccount,
      maxAttempts: 1,
      discovery,
    },
  );
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const active = DEFAULT_SIMULATOR_PROJECTS.filter((project) => project.active);
const polledNames = (summary: RunSummary) =>
  summary.records
    .filter((r) => r.outcome === 'ok')
    .map((r) => r.target.projectTags?.project_name)
    .sort();

describe('discovering the projects of a Streampixel account', () => {
  beforeEach(() => start());

  it('collects every active project of 45 across 3 pages, tagged with id, name and region', async () => {
    await simulator.close();
    await start({ listing: 'paginated-only' });
    const summary = await runOnce(configOf({ projects: 'all' }), new ProjectDiscovery());
    expect(polledNames(summary)).toEqual(active.map((p) => p.name).sort());
    expect(summary.records).toHaveLength(44);
    // projects-status answered 404 (older API), then three pages of the paginated listing.
    expect(simulator.listingRequests).toBe(4);
    const eu = summary.records.find((r) => r.target.projectTags?.project_name === 'eu-001');
    expect(eu?.project).toBe(DEFAULT_SIMULATOR_PROJECTS[0]?.id);
    expect(eu?.target.projectTags).toEqual({ project_name: 'eu-001', region: 'eu-west-1' });
    expect(eu?.target.name).toBe('account');
  });

  it('uses the one-request projects-status listing when the secret has an apikey', async () => {
    const summary = await runOnce(configOf({ projects: ['us-*'] }), new ProjectDiscovery());
    expect(polledNames(summary)).toEqual(active.filter((p) => p.name.startsWith('us-')).map((p) => p.name));
    expect(simulator.listingRequests).toBe(1);
  });

  it('follows the paginated listing when the secret has no apikey', async () => {
    const summary = await runOnce(configOf({ projects: 'all' }), new ProjectDiscovery(), false);
    expect(summary.records).toHaveLength(44);
    expect(simulator.listingRequests).toBe(3);
  });

  it('applies globs and excludes, and polls inactive projects only when asked', async () => {
    const euButTens = await runOnce(
      configOf({ projects: ['eu-*', 'ap-00[1-3]'], exclude: ['eu-01*'] }),
      new ProjectDiscovery(),
    );
    expect(polledNames(euButTens)).toEqual(
      [
        'eu-001',
        'eu-002',
        'eu-003',
        'eu-004',
        'eu-005',
        'eu-006',
        'eu-007',
        'eu-008',
        'eu-009',
        'eu-020',
        'ap-001',
        'ap-002',
        'ap-003',
      ].sort(),
    );
    const withInactive = await runOnce(
      configOf({ projects: ['us-00*'], includeInactive: true }),
      new ProjectDiscovery(),
    );
    expect(polledNames(withInactive)).toContain('us-007');
  });

  it('lists once per cache period however many runs, and sees a new project once the cache expires', async () => {
    const discovery = new ProjectDiscovery();
    const config = configOf({ projects: ['eu-*'], listingCache: '400ms' });
    for (let run = 0; run < 5; run++) await runOnce(config, discovery);
    expect(simulator.listingRequests).toBe(1);
    const added = simulator.addProject({ name: 'eu-new-1' });
    expect(polledNames(await runOnce(config, discovery))).not.toContain('eu-new-1');
    await new Promise((resolve) => setTimeout(resolve, 450));
    const after = await runOnce(config, discovery);
    expect(simulator.listingRequests).toBe(2);
    expect(after.records.find((r) => r.project === added.id)?.outcome).toBe('ok');
  });

  it('keeps the listing across processes (cold starts) in the spill store', async () => {
    const store = new DirectorySpillStore(`${dir.path}/store`);
    await runOnce(configOf({ projects: 'all' }), new ProjectDiscovery(store));
    await runOnce(configOf({ projects: 'all' }), new ProjectDiscovery(store));
    expect(simulator.listingRequests).toBe(1);
  });

  it('falls back to the last good listing when listing fails, and reports it as a discovery outcome', async () => {
    const discovery = new ProjectDiscovery();
    const config = configOf({ projects: ['ap-*'], listingCache: '1ms' });
    await runOnce(config, discovery);
    simulator.failListing(500);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const summary = await runOnce(config, discovery);
    const listing = summary.records.filter((r) => r.outcome === 'discovery');
    expect(listing).toHaveLength(1);
    expect(listing[0]).toMatchObject({ httpStatus: 500, project: undefined });
    expect(listing[0]?.error).toMatch(/^project listing failed \(using the last good listing\): HTTP 500/);
    expect(summary.records.filter((r) => r.outcome === 'ok')).toHaveLength(10);
  });

  it('with no earlier listing, a failed listing is one discovery failure and nothing else', async () => {
    simulator.failListing(429);
    const summary = await runOnce(configOf({ projects: 'all' }), new ProjectDiscovery());
    expect(summary.records.map((r) => [r.outcome, r.httpStatus])).toEqual([['discovery', 429]]);
  });

  it('never requests a listed id that a configured one could not be, and names each in a discovery record', async () => {
    const hostile = ['.', '..', 'a/b', '%2e%2e', '?x=1', '', 'x'.repeat(500), '#frag', 'a b'];
    const [template] = DEFAULT_SIMULATOR_PROJECTS as [(typeof DEFAULT_SIMULATOR_PROJECTS)[number]];
    const projects = [
      ...hostile.map((id, index) => ({ ...template, id, name: `hostile-${index}`, active: true })),
      { ...template, id: '64f1c0ffee00ff', name: 'good', active: true },
    ];
    for (const apikey of [true, false]) {
      await start({ projects });
      const summary = await runOnce(configOf({ projects: 'all' }), new ProjectDiscovery(), apikey);
      const stats = simulator.served.filter((served) => served.endpoint === 'streampixel.liveStats');
      expect(stats.map((served) => served.project)).toEqual(['64f1c0ffee00ff']);
      // A request for `..` resolves to the listing's own path: only the run's own listing requests may be there.
      const listings = simulator.served.filter((served) => served.endpoint === 'streampixel.projects');
      expect(listings).toHaveLength(1);
      expect(summary.records.filter((r) => r.outcome === 'ok').map((r) => r.project)).toEqual([
        '64f1c0ffee00ff',
      ]);
      const refused = summary.records.filter((r) => r.outcome === 'discovery');
      expect(refused.map((r) => r.project)).toEqual(hostile);
      refused.forEach((record, index) => {
        const shown = JSON.stringify((hostile[index] as string).slice(0, 40)).slice(0, -1);
        expect(record.error).toMatch(new RegExp(`^listed project id ${escapeRegExp(shown)}.*not polled: `));
      });
      await simulator.close();
    }
  });

  it('never has more requests in flight per account than the cap, listings and stats together', async () => {
    simulator.setLatency(40);
    const config = parseConfig({
      influx: { url: 'http://127.0.0.1:9', apiVersion: 1, database: 'x' },
      maxInFlightPerAccount: 3,
      targets: [
        {
          name: 'a',
          endpoint: 'streampixel.liveStats',
          projects: 'all',
          baseUrl: simulator.url,
          secret: 'sp',
          interval: '10s',
        },
        {
          name: 'b',
          endpoint: 'streampixel.userStats',
          projects: ['eu-*'],
          baseUrl: simulator.url,
          secret: 'sp',
          interval: '30s',
        },
        {
          name: 'c',
          endpoint: 'streampixel.liveStats',
          projectId: 'p-1',
          baseUrl: simulator.url,
          secret: 'sp',
          interval: '10s',
        },
      ],
    });
    const summary = await runOnce(config, new ProjectDiscovery());
    expect(summary.records.filter((r) => r.outcome === 'ok')).toHaveLength(44 + 20 + 1);
    expect(simulator.maxInFlightByUser.get(streampixel.userId)).toBe(3);
  });
});
