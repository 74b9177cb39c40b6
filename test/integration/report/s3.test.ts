import { PassThrough } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../devtools/files.js';
import { type Influxd, startInfluxd } from '../../../devtools/influxd.js';
import { runReportCli } from '../../../functions/cli/report.js';
import { reportKeys, storeReport } from '../../../functions/report/s3-store.js';
import { type S3Standin, startS3rver } from '../../support/s3rver.js';
import { seed, seedConfigTargets } from './seed.js';

const BUCKET = 'concurrency-reports';
const DB = 'monthly';

let s3: S3Standin;
let influxd: Influxd;
const dir = tempDir('report-s3-');
let configFile: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  [s3, influxd] = await Promise.all([startS3rver(BUCKET), startInfluxd()]);
  await seed(influxd, DB);
  configFile = dir.file('collector.config.json', {
    influx: { url: influxd.url, apiVersion: 1, database: DB },
    targets: seedConfigTargets(),
  });
});
afterAll(async () => {
  process.env = savedEnv;
  await s3?.close();
  await influxd?.stop();
  dir.cleanup();
});

async function getObject(key: string): Promise<{ body: string; contentType: string | undefined }> {
  const answer = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { body: (await answer.Body?.transformToString('utf8')) ?? '', contentType: answer.ContentType };
}

describe('storeReport (real @aws-sdk/client-s3 against s3rver)', () => {
  it('writes the HTML and the CSV under keys that name the period', async () => {
    const stored = await storeReport(s3.client, BUCKET, '2026-09', {
      html: '<!DOCTYPE html><p>x</p>',
      csv: 'a,b\r\n',
    });
    expect(stored).toEqual({
      bucket: BUCKET,
      keys: {
        html: 'reports/2026-09/concurrency-report-2026-09.html',
        csv: 'reports/2026-09/concurrency-report-2026-09.csv',
      },
    });
    const html = await getObject(stored.keys.html);
    expect(html).toEqual({ body: '<!DOCTYPE html><p>x</p>', contentType: 'text/html; charset=utf-8' });
    const csv = await getObject(stored.keys.csv);
    expect(csv).toEqual({ body: 'a,b\r\n', contentType: 'text/csv; charset=utf-8' });
  });
});

describe('the monthly report handler', () => {
  it("reports last month relative to the event's time and stores HTML and CSV in REPORT_BUCKET", async () => {
    Object.assign(process.env, {
      REPORT_BUCKET: BUCKET,
      COLLECTOR_CONFIG_PATH: configFile,
      // The SDK's own endpoint variable: the handler has no test hook.
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const { handler } = await import('../../../functions/handlers/report.js');
    // EventBridge fires early on the 1st of November: the report is October's.
    const result = await handler({ time: '2026-11-01T02:00:00Z' });
    const keys = reportKeys('2026-10');
    expect(result).toEqual({ bucket: BUCKET, keys, period: '2026-10', targets: 5 });

    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reports/2026-10/' }),
    );
    expect((listed.Contents ?? []).map((object) => object.Key).sort()).toEqual([keys.csv, keys.html]);

    const html = await getObject(keys.html);
    expect(html.contentType).toBe('text/html; charset=utf-8');
    expect(html.body).toContain('<h1>October 2026</h1>');
    expect(html.body.match(/<svg /g)).toHaveLength(5);

    // The same report as `npm run report` for the same month, byte for byte.
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const code = await runReportCli(
      [
        '--config',
        configFile,
        '--secrets-file',
        dir.file('secrets.json', {}),
        '--period',
        'last-month',
        '--format',
        'csv',
      ],
      { stdout, stderr: new PassThrough(), now: () => Date.parse('2026-11-01T02:00:00Z') },
    );
    expect(code).toBe(0);
    const csv = await getObject(keys.csv);
    expect(csv.contentType).toBe('text/csv; charset=utf-8');
    expect(csv.body).toBe(Buffer.concat(chunks).toString('utf8'));
    expect(csv.body.split('\r\n')[1]).toMatch(
      /^sp-live,streampixel,streampixel\.liveStats,30,2026-10-01T00:00:00\.000Z,.*,target,,,,/m,
    );
  });

  it('fails loudly without REPORT_BUCKET', async () => {
    delete process.env.REPORT_BUCKET;
    const { handler } = await import('../../../functions/handlers/report.js');
    await expect(handler({ time: '2026-11-01T02:00:00Z' })).rejects.toThrow(/REPORT_BUCKET is not set/);
  });
});
