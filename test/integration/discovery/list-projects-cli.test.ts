import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { DEFAULT_SIMULATOR_CREDENTIALS } from '../../../simulator/config.js';
import { DEFAULT_SIMULATOR_PROJECTS, type Simulator, startSimulator } from '../../../simulator/server.js';
import { runCli } from '../../support/cli.js';

let simulator: Simulator;
const dir = tempDir();
let secretsFile: string;

beforeAll(async () => {
  simulator = await startSimulator({ listing: 'paginated-only' });
  secretsFile = dir.file('secrets.json', {
    'collector/streampixel': DEFAULT_SIMULATOR_CREDENTIALS.streampixel,
  });
});
afterAll(async () => {
  await simulator?.close();
  dir.cleanup();
});

function config(projects: unknown): string {
  return dir.file(`config-${Math.random()}.json`, {
    influx: { url: 'http://127.0.0.1:9', apiVersion: 1, database: 'x' },
    targets: [
      {
        name: 'account',
        endpoint: 'streampixel.liveStats',
        projects,
        baseUrl: simulator.url,
        secret: 'collector/streampixel',
        interval: '10s',
      },
    ],
  });
}

describe('npm run collect -- --list-projects', () => {
  it('prints every project of the account with id, name, region, status and whether it would be polled', async () => {
    const result = await runCli('collect', [
      '--config',
      config('all'),
      '--secrets-file',
      secretsFile,
      '--list-projects',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('account (streampixel.liveStats): 45 projects listed, 44 polled');
    expect(result.stdout).toMatch(/^ {2}id +name +region +status +polled$/m);
    for (const project of DEFAULT_SIMULATOR_PROJECTS) {
      const status = project.active ? 'active +yes' : 'inactive +no \\(inactive\\)';
      expect(result.stdout).toMatch(
        new RegExp(`^  ${project.id} +${project.name} +${project.region} +${status}$`, 'm'),
      );
    }
  });

  it('says which projects a pattern leaves out', async () => {
    const result = await runCli('collect', [
      '--config',
      config(['ap-*']),
      '--secrets-file',
      secretsFile,
      '--list-projects',
    ]);
    expect(result.stdout).toContain('45 projects listed, 10 polled');
    expect(result.stdout).toMatch(/ eu-001 +eu-west-1 +active +no \(not matched\)$/m);
  });

  it('a --once run whose listing fails with no earlier listing exits 1 with a discovery failure', async () => {
    simulator.failListing(500);
    try {
      const result = await runCli('collect', [
        ...['--config', config('all'), '--secrets-file', secretsFile, '--once', '--dry-run'],
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/msg="sample failed" target=account outcome=discovery http_status=500/);
      expect(result.stdout).toMatch(
        /^collector_run,endpoint=streampixel\.liveStats,outcome=discovery,provider=streampixel,target=account /m,
      );
    } finally {
      simulator.failListing(undefined);
    }
  });
});
