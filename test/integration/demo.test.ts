import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
    // It ends with the report of what it collected, and where its HTML is.
    expect(result.stdout).toMatch(/^Concurrency report \S+: /m);
    const html = /HTML report: (\S+\.html) \(JSON beside it\)\n$/.exec(result.stdout)?.[1] as string;
    expect(existsSync(html)).toBe(true);
  });

  it('--month seeds a growing month in seconds and prints its report with capacity, verdict and forecast', () => {
    const started = Date.now();
    const result = spawnSync('npm', ['run', '--silent', 'demo', '--', '--month'], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^\d+ points in \d+\.\d s\.$/m);
    expect(out).toMatch(
      /^target +capacity +peak of capacity +headroom .* next period \(trend\) +cap reached on +verdict$/m,
    );
    // The capped Streampixel project queues its users: demand above its capacity of 40.
    expect(out).toMatch(
      /^eu-prod: upgrade — Demand peaked at \d+ \(live plus queued\), above the capacity of 40\.$/m,
    );
    expect(out).toMatch(/^signalling +2000 \(plan\) /m);
    const html = /HTML report: (\S+month-\d{4}-\d{2}\.html) \(JSON beside it\)\n$/.exec(out)?.[1] as string;
    expect(readFileSync(html, 'utf8')).toContain('Capacity and verdict');
    // Seeding and reporting a month is a matter of seconds, not of a month of polling.
    expect(Date.now() - started).toBeLessThan(120_000);
  }, 200_000);
});
