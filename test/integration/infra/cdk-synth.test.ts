import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProcessResult, runProcess } from '../../../devtools/process.js';
import { ConfigError } from '../../../functions/config/errors.js';
import { loadConfig } from '../../../functions/config/load.js';

const ROOT = join(import.meta.dirname, '../../..');
const EXAMPLE_FILE = join(ROOT, 'collector.config.example.json');

/** The CLI offline: no version check, no telemetry, no notices (cdk.json turns notices off too). */
const OFFLINE_ENV = {
  ...process.env,
  CDK_DISABLE_VERSION_CHECK: '1',
  CDK_DISABLE_CLI_TELEMETRY: '1',
  // No account, no region, no credentials: the stack is environment-agnostic and must not need them.
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_PROFILE: '',
  AWS_REGION: '',
  AWS_DEFAULT_REGION: '',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** `npx cdk synth --quiet -o OUTDIR …` from the repository root, as a user on a fresh clone would run it. */
function cdkSynth(outdir: string, args: string[] = []): Promise<ProcessResult> {
  return runProcess('npx', ['cdk', 'synth', '--quiet', '--output', outdir, ...args], {
    cwd: ROOT,
    env: OFFLINE_ENV,
  });
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cdk-synth-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('npx cdk synth', () => {
  it('synthesises the example config offline, bundling locally, with no cdk-nag finding', {
    timeout: 120_000,
  }, async () => {
    const outdir = join(work, 'example');
    const run = await cdkSynth(outdir, ['-c', 'config=collector.config.example.json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/AwsSolutions-|Docker|docker/);

    const report = JSON.parse(await readFile(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: unknown[];
    };
    expect(report.pluginReports).toEqual([]);

    const template = JSON.parse(
      await readFile(join(outdir, 'ConcurrencyCollector.template.json'), 'utf8'),
    ) as {
      Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
    };
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    // Three interval groups and the monthly report.
    expect(types.filter((type) => type === 'AWS::Scheduler::Schedule')).toHaveLength(4);
    // The collector, the report, the post-deploy check and CDK's custom resource provider.
    expect(types.filter((type) => type === 'AWS::Lambda::Function')).toHaveLength(4);
    expect(types.filter((type) => type === 'Custom::CollectorCheck')).toHaveLength(1);

    // Each function's asset is its bundle: one minified ESM file, its source map, and the validated config,
    // byte for byte. The template names the asset by its hash (`<hash>.zip`, folder `asset.<hash>`).
    const assetOf = Object.fromEntries(
      Object.entries(template.Resources)
        .filter(([id, resource]) => resource.Type === 'AWS::Lambda::Function' && !id.includes('Provider'))
        .map(([id, resource]) => [
          id.replace(/[0-9A-F]{8}$/, ''),
          `asset.${resource.Properties.Code?.S3Key?.replace(/\.zip$/, '')}`,
        ]),
    );
    expect(Object.keys(assetOf).sort()).toEqual(['CheckFunction', 'Collector', 'Report']);
    const assets = (await readdir(outdir)).filter((name) => name.startsWith('asset.'));
    for (const asset of Object.values(assetOf)) expect(assets).toContain(asset);
    for (const asset of Object.values(assetOf)) {
      const files = (await readdir(join(outdir, asset))).sort();
      expect(files).toEqual(['collector.config.json', 'index.mjs', 'index.mjs.map']);
      expect(await readFile(join(outdir, asset, 'collector.config.json'), 'utf8')).toBe(
        await readFile(EXAMPLE_FILE, 'utf8'),
      );
    }
    console.info(`cdk synth of the example config (three bundles): ${(run.ms / 1000).toFixed(1)} s`);
  });

  it('refuses to synthesise without -c config=FILE, naming the flag (cdk.json names no default)', {
    timeout: 60_000,
  }, async () => {
    const cdkJson = JSON.parse(await readFile(join(ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    expect(cdkJson.context.config).toBeUndefined();
    const run = await cdkSynth(join(work, 'unconfigured'));
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('no collector config: pass -c config=FILE');
  });

  it('names the stack after -c stackName=NAME', { timeout: 120_000 }, async () => {
    const outdir = join(work, 'staging');
    const run = await cdkSynth(outdir, [
      '-c',
      'config=collector.config.example.json',
      '-c',
      'stackName=CollectorStaging',
      '-c',
      'check=false',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const template = JSON.parse(await readFile(join(outdir, 'CollectorStaging.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    expect(Object.values(template.Resources).filter((r) => r.Type === 'Custom::CollectorCheck')).toEqual([]);
  });

  it('fails before anything is deployed on a bad config, with the same message the CLI gives', {
    timeout: 60_000,
  }, async () => {
    const example = JSON.parse(await readFile(EXAMPLE_FILE, 'utf8')) as {
      targets: Array<Record<string, unknown>>;
    };
    (example.targets[0] as Record<string, unknown>).interval = '7s';
    (example.targets[2] as Record<string, unknown>).interval = '10s';
    const bad = join(work, 'bad.config.json');
    await writeFile(bad, JSON.stringify(example, null, 2));
    const expected = await loadConfig(bad).then(
      () => undefined,
      (error: unknown) => (error instanceof ConfigError ? error.message : undefined),
    );
    expect(expected).toMatch(/targets\[0\]\.interval: 7s does not divide a minute evenly/);
    expect(expected).toMatch(/targets\[2\]\.interval: 10s is below imkit\.connectionCount's 30 s floor/);

    const run = await cdkSynth(join(work, 'bad'), ['-c', `config=${bad}`]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(expected);
  });

  it('fails on a deploy setting the stack cannot honour, naming the file and the key', {
    timeout: 60_000,
  }, async () => {
    const example = JSON.parse(await readFile(EXAMPLE_FILE, 'utf8')) as Record<string, unknown>;
    const bad = join(work, 'retention.config.json');
    await writeFile(bad, JSON.stringify({ ...example, deploy: { logRetentionDays: 10 } }));
    const run = await cdkSynth(join(work, 'retention'), ['-c', `config=${bad}`]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      `${bad}: deploy.logRetentionDays: 10 is not a retention CloudWatch Logs offers`,
    );
  });
});
