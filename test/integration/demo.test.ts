import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run demo', () => {
  it('collects from the simulator into a throw-away influxd and shows what it wrote', () => {
    const result = spawnSync('npm', ['run', '--silent', 'demo'], {
      cwd: ROOT,
      env: { ...process.env, DEMO_SECONDS: '11', NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).not.toMatch(/level=(warn|error)/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Throw-away InfluxDB 1\.x: http:\/\/127\.0\.0\.1:\d+/);
    expect(result.stdout).toMatch(/(\d+) samples, 0 failed, \d+ points written/);
    // The 10 s target is sampled at least once in any 11 s window, and the summary reads it back from InfluxDB.
    expect(result.stdout).toMatch(/\n {2}eu-prod +[1-9]\d* +\d+ +\d+ +\d+\n/);
  });
});
