import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';
import { runProcess } from '../../../devtools/process.js';
import { loadConfig } from '../../../functions/config/load.js';
import { CollectorStack } from '../../../infra/collector-stack.js';
import {
  BUNDLED_CONFIG_NAME,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../../../infra/constructs/collector-function.js';
import type { Simulator } from '../../../simulator/server.js';
import { simulatorConfig, simulatorSecrets, startSimulator } from '../../../simulator/server.js';
import { type S3Standin, startS3rver } from '../../support/s3rver.js';
import { type SecretsManagerStandIn, startSecretsManager } from '../../support/secrets-manager.js';

const DATABASE = 'concurrency';
const REPORT_BUCKET = 'concurrency-reports';

interface Bundle {
  /** The asset folder Lambda would unpack into /var/task. */
  dir: string;
  /** The function's environment, as the template sets it. */
  environment: Record<string, string>;
  memoryMb: number;
}

/**
 * Synthesises the stack with bundling on, exactly as `cdk deploy` would (NodejsFunction running the project's
 * esbuild, then the afterBundling hook copying the config), and returns the assets the two functions are built
 * from, found by the hash the template names them by (`Code.S3Key` is `<hash>.zip`, the folder `asset.<hash>`).
 */
async function buildBundles(
  outdir: string,
  configFile: string,
): Promise<{ collector: Bundle; report: Bundle }> {
  const app = new App({ outdir });
  // The check's bundle is built like these two (CollectorFunction); cdk-synth.test.ts looks at its files.
  const stack = new CollectorStack(app, 'BundleTest', {
    config: await loadConfig(configFile),
    configFile,
    check: false,
  });
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const assets = (await readdir(outdir)).filter((name) => name.startsWith('asset.'));
  expect(assets).toHaveLength(2);
  const bundleOf = (prefix: string): Bundle => {
    const [, fn] = Object.entries(template.Resources).find(
      ([id, resource]) =>
        resource.Type === 'AWS::Lambda::Function' && new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id),
    ) as [string, { Properties: Record<string, unknown> }];
    const properties = fn.Properties as {
      Code: { S3Key: string };
      Environment: { Variables: Record<string, string> };
      MemorySize: number;
    };
    const asset = `asset.${properties.Code.S3Key.replace(/\.zip$/, '')}`;
    expect(assets).toContain(asset);
    // References to other resources (the buckets' names) only exist once deployed: left out here.
    const environment = Object.fromEntries(
      Object.entries(properties.Environment.Variables).filter(([, value]) => typeof value === 'string'),
    );
    return { dir: join(outdir, asset), environment, memoryMb: properties.MemorySize };
  };
  return { collector: bundleOf('Collector'), report: bundleOf('Report') };
}

interface Invocation {
  code: number | null;
  result: unknown;
  /** Every JSON line the function printed: Powertools logs and EMF metrics. */
  lines: Array<Record<string, unknown>>;
  stderr: string;
  rssMb: number;
}

/** Imports the bundle in a fresh `node` (no tsx, no vitest, no source tree) and calls its handler once. */
function invoke(bundle: Bundle, env: Record<string, string>, event: unknown): Promise<Invocation> {
  const script = `
    const { handler } = await import(${JSON.stringify(join(bundle.dir, 'index.mjs'))});
    const context = { getRemainingTimeInMillis: () => 60_000, functionName: 'collector', awsRequestId: 'req-1' };
    const result = await handler(${JSON.stringify(event)}, context);
    process.stdout.write('\\nRESULT ' + JSON.stringify({ result, rss: process.memoryUsage().rss }) + '\\n');
  `;
  return runProcess(process.execPath, ['--input-type=module', '-e', script], {
    cwd: bundle.dir,
    env: { PATH: process.env.PATH ?? '', ...bundle.environment, ...env },
  }).then(({ code, stdout, stderr }) => {
    const lines = stdout.split('\n').filter((line) => line.trim() !== '');
    const last = lines.find((line) => line.startsWith('RESULT '));
    const parsed = last
      ? (JSON.parse(last.slice('RESULT '.length)) as { result: unknown; rss: number })
      : undefined;
    return {
      code,
      result: parsed?.result,
      rssMb: (parsed?.rss ?? 0) / 1024 / 1024,
      stderr,
      lines: lines
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    };
  });
}

describe('the deployed bundle', () => {
  let work: string;
  let influxd: Influxd;
  let simulator: Simulator;
  let secrets: SecretsManagerStandIn;
  let s3: S3Standin;
  let targetNames: string[];
  let bundle: Bundle;
  let reportBundle: Bundle;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bundle-test-'));
    [influxd, simulator, secrets, s3] = await Promise.all([
      startInfluxd(),
      startSimulator(),
      startSecretsManager(simulatorSecrets()),
      startS3rver(REPORT_BUCKET),
    ]);
    await influxd.createDatabase(DATABASE);
    const config = simulatorConfig(simulator.url, {
      url: influxd.url,
      apiVersion: 1,
      database: DATABASE,
      tokenSecret: 'collector/influx',
    });
    // Minute targets only: one sample each, at the tick, so the run does not wait out a minute.
    const targets = config.targets.map((target) => ({ ...target, interval: '1m' }));
    targetNames = targets.map((target) => target.name);
    const configFile = join(work, 'collector.config.json');
    await writeFile(configFile, JSON.stringify({ ...config, targets }, null, 2));
    ({ collector: bundle, report: reportBundle } = await buildBundles(join(work, 'cdk.out'), configFile));
  });

  afterAll(async () => {
    await Promise.allSettled([influxd?.stop(), simulator?.close(), secrets?.close(), s3?.close()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('is a minified ESM file with its source map and the config, the AWS SDK inside', async () => {
    expect((await readdir(bundle.dir)).sort()).toEqual([BUNDLED_CONFIG_NAME, 'index.mjs', 'index.mjs.map']);
    const size = (await stat(join(bundle.dir, 'index.mjs'))).size;
    console.info(`bundle: index.mjs ${(size / 1024).toFixed(0)} KiB`);
    expect(size).toBeLessThan(3 * 1024 * 1024);
    // The SDK is bundled, not imported from the runtime: no bare @aws-sdk import is left.
    const code = await readFile(join(bundle.dir, 'index.mjs'), 'utf8');
    // (Error messages of the SDK quote `[require("@aws-sdk/…")]`: a bracket before `require` is not a call.)
    const external = [
      ...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|[^[]require\(\s*)["'](@aws-sdk\/[^"']+)["']/g),
    ];
    expect(external.map((match) => match[1])).toEqual([]);
    expect(code.includes('GetSecretValue')).toBe(true);
    expect(code.startsWith("import { createRequire } from 'node:module';")).toBe(true);
  });

  it('polls the simulator and writes to InfluxDB when run in a fresh node process', {
    timeout: 100_000,
  }, async () => {
    // A run records a sample it reaches more than half an interval late (30 s for these minute targets) as
    // missed: late in a minute, wait for the next one, so that the run starts well within its tick's window.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 20_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
    // What EventBridge sends: the rule's scheduled time (the start of the minute) and the shard's names.
    const tick = Math.floor(Date.now() / 60_000) * 60_000;
    const run = await invoke(
      bundle,
      {
        // The bundled copy of the config, where the function reads it in /var/task.
        COLLECTOR_CONFIG_PATH: join(bundle.dir, BUNDLED_CONFIG_NAME),
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'example-secret-access-key',
        AWS_REGION: 'us-east-1',
        AWS_LAMBDA_FUNCTION_NAME: 'collector',
      },
      { time: new Date(tick).toISOString(), targets: targetNames },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ samples: 4, failed: 0, pointsWritten: 8 });

    // The EMF line carries what the TargetsFailing alarm watches: namespace, dimension and metric names.
    const emf = run.lines.find((line) => '_aws' in line) as
      | {
          _aws: {
            CloudWatchMetrics: Array<{
              Namespace: string;
              Dimensions: string[][];
              Metrics: Array<{ Name: string }>;
            }>;
          };
        }
      | undefined;
    const directive = emf?._aws.CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive?.Dimensions).toEqual([['service']]);
    expect(directive?.Metrics.map((metric) => metric.Name)).toContain('SamplesFailed');
    expect(emf).toMatchObject({ service: SERVICE_NAME, SamplesFailed: 0, SamplesTaken: 4 });
    // Powertools' structured logs, and no credential anywhere in the output.
    expect(run.lines.some((line) => line.message === 'run finished' && line.service === SERVICE_NAME)).toBe(
      true,
    );
    const output = JSON.stringify(run.lines) + run.stderr;
    for (const value of Object.values(simulatorSecrets()).flatMap((secret) => Object.values(secret))) {
      expect(output).not.toContain(value);
    }

    expect(secrets.calls.map((call) => call.secretId).sort()).toEqual([
      'collector/imkit',
      'collector/influx',
      'collector/metered',
      'collector/streampixel',
    ]);
    const points = await influxd.rows('SELECT * FROM concurrency', DATABASE);
    expect(points.map((point) => point.target).sort()).toEqual([...targetNames].sort());
    for (const point of points) {
      expect(point.time).toBe(tick);
      expect(typeof point.live).toBe('number');
    }
    const runs = await influxd.rows('SELECT * FROM collector_run', DATABASE);
    expect(runs.map((row) => [row.target, row.outcome, row.up]).sort()).toEqual(
      [...targetNames].sort().map((name) => [name, 'ok', 1]),
    );
    console.info(`handler run: rss ${run.rssMb.toFixed(0)} MB of the function's ${bundle.memoryMb} MB`);
    expect(run.rssMb).toBeLessThan(bundle.memoryMb * 0.75);
  });

  it('the report bundle is the same kind of file, with Vega and the S3 client inside', async () => {
    expect((await readdir(reportBundle.dir)).sort()).toEqual([
      BUNDLED_CONFIG_NAME,
      'index.mjs',
      'index.mjs.map',
    ]);
    const size = (await stat(join(reportBundle.dir, 'index.mjs'))).size;
    console.info(`report bundle: index.mjs ${(size / 1024).toFixed(0)} KiB`);
    expect(size).toBeLessThan(4 * 1024 * 1024);
    const code = await readFile(join(reportBundle.dir, 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire } from 'node:module';")).toBe(true);
    expect(code.includes('PutObject')).toBe(true);
  });

  it('writes last month’s report to S3 when run in a fresh node process', { timeout: 60_000 }, async () => {
    // October 2026 for every target of the config: a known peak for eu-prod, flat lines for the others.
    const october = Date.UTC(2026, 9, 1);
    const lines: string[] = [];
    for (const name of targetNames) {
      for (let hour = 0; hour < 24 * 31; hour += 6) {
        const live = name === 'eu-prod' && hour === 24 * 9 + 18 ? 77 : 10;
        lines.push(
          `concurrency,target=${name} live=${live}i,queued=0i ${(october + hour * 3_600_000) / 1000}`,
        );
      }
    }
    await influxd.writeLines(DATABASE, lines.join('\n'));
    const callsBefore = secrets.calls.length;

    const run = await invoke(
      reportBundle,
      {
        COLLECTOR_CONFIG_PATH: join(reportBundle.dir, BUNDLED_CONFIG_NAME),
        REPORT_BUCKET,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
        AWS_ENDPOINT_URL_S3: s3.url,
        // s3rver's own account: it checks signatures against it.
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_REGION: 'us-east-1',
        AWS_LAMBDA_FUNCTION_NAME: 'report',
      },
      // What the monthly rule sends, early on 1 November: the report is October's.
      { time: '2026-11-01T02:00:00Z' },
    );
    expect(run.code, run.stderr).toBe(0);
    const keys = {
      html: 'reports/2026-10/concurrency-report-2026-10.html',
      csv: 'reports/2026-10/concurrency-report-2026-10.csv',
    };
    expect(run.result).toEqual({ bucket: REPORT_BUCKET, keys, period: '2026-10', targets: 4 });
    expect(
      run.lines.some((line) => line.message === 'report stored' && line.service === 'concurrency-report'),
    ).toBe(true);

    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: REPORT_BUCKET, Prefix: 'reports/2026-10/' }),
    );
    expect((listed.Contents ?? []).map((object) => object.Key).sort()).toEqual([keys.csv, keys.html]);
    const body = async (key: string) =>
      (await (
        await s3.client.send(new GetObjectCommand({ Bucket: REPORT_BUCKET, Key: key }))
      ).Body?.transformToString('utf8')) ?? '';
    const html = await body(keys.html);
    // Vega rendered a chart per target inside the bundle (no canvas package, no browser).
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).toContain('peak 77 · 10 Oct 18:00 UTC');
    const csv = (await body(keys.csv)).split('\r\n');
    const header = (csv[0] as string).split(',');
    const euProd = (csv.find((line) => line.startsWith('eu-prod,')) as string).split(',');
    expect(euProd[header.indexOf('peak_live')]).toBe('77');

    // The report read the InfluxDB token and no provider's secret.
    expect(secrets.calls.slice(callsBefore).map((call) => call.secretId)).toEqual(['collector/influx']);
    console.info(`report run: rss ${run.rssMb.toFixed(0)} MB of the function's ${reportBundle.memoryMb} MB`);
    expect(run.rssMb).toBeLessThan(reportBundle.memoryMb * 0.75);
  });
});
