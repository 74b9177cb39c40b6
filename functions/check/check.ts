import type * as z from 'zod';
import type { Config, Target } from '../config/schema.js';
import type { PointSink } from '../influx/writer.js';
import { MEASUREMENT, type SampleRecord } from '../points/build.js';
import { LinePoint } from '../points/line-protocol.js';
import { adapterFor } from '../providers/registry.js';
import { parseCredentials, parseInfluxCredentials } from '../secrets/credentials.js';
import { requiredSecrets } from '../secrets/required.js';
import type { RunSecrets } from '../secrets/run-secrets.js';

/** What a check looked at: a secret, InfluxDB, or a target. */
export type CheckSubject = 'secret' | 'influxdb' | 'target';

/** One line of a check: what was looked at and what was found (never a credential). */
export interface CheckLine {
  subject: CheckSubject;
  name: string;
  ok: boolean;
  detail: string;
}

/** Exit codes of `--check`: every part answered; only targets failed; a secret or InfluxDB is wrong. */
export const CHECK_EXIT = { ok: 0, targetsFailed: 1, broken: 2 } as const;

export type CheckExit = (typeof CHECK_EXIT)[keyof typeof CHECK_EXIT];

/** Where a check ran, the `source` tag of its `collector_check` point. */
export type CheckSource = 'cli' | 'deploy';

/**
 * Every secret the config names exists and parses for each of its readers (the providers' credential schemas,
 * the InfluxDB token): one line per secret.
 */
export async function checkSecrets(config: Config, secrets: RunSecrets): Promise<CheckLine[]> {
  const readers = new Map<string, string[]>();
  for (const target of config.targets) {
    const names = readers.get(target.secret) ?? [];
    if (!names.includes(target.endpoint)) names.push(target.endpoint);
    readers.set(target.secret, names);
  }
  return Promise.all(
    requiredSecrets(config).map(async ({ name, keys }): Promise<CheckLine> => {
      try {
        const value = await secrets.get(name);
        const endpoints = readers.get(name) ?? [];
        for (const endpoint of endpoints) {
          parseCredentials(name, value, adapterFor(endpoint as Target['endpoint']).credentials as z.ZodType);
        }
        const users = [...endpoints];
        if (name === config.influx.tokenSecret) {
          parseInfluxCredentials(name, value);
          users.push('InfluxDB');
        }
        return {
          subject: 'secret',
          name,
          ok: true,
          detail: `found; keys ${keys.join(', ')} parse for ${users.join(', ')}`,
        };
      } catch (error) {
        return { subject: 'secret', name, ok: false, detail: messageOf(error, secrets) };
      }
    }),
  );
}

/** InfluxDB answers and accepts one `collector_check` point with the configured credentials. */
export async function checkInflux(
  config: Config,
  sink: PointSink,
  source: CheckSource,
  secrets: RunSecrets,
  now: number,
): Promise<CheckLine> {
  const line = new LinePoint(MEASUREMENT.check)
    .tag('source', source)
    .intField('ok', 1)
    .timestamp(String(Math.floor(now / 1000)))
    .toLineProtocol();
  try {
    await sink.write([line], { deadline: now + config.influx.timeout });
    return {
      subject: 'influxdb',
      name: config.influx.url,
      ok: true,
      detail: `accepted a write (${sink.description})`,
    };
  } catch (error) {
    return { subject: 'influxdb', name: config.influx.url, ok: false, detail: messageOf(error, secrets) };
  }
}

/** One line per target from its sample record (already written like any other sample). */
export function targetLines(records: readonly SampleRecord[]): CheckLine[] {
  return records.map((record) => {
    const name = record.project ? `${record.target.name} (${record.project})` : record.target.name;
    if (record.outcome === 'ok') {
      const figures = Object.entries(record.sample?.ints ?? {})
        .map(([key, value]) => `${key}=${value}`)
        .join(' ');
      return { subject: 'target', name, ok: true, detail: `answered: ${figures}` };
    }
    const status = record.httpStatus ? ` HTTP ${record.httpStatus}` : '';
    return { subject: 'target', name, ok: false, detail: `${record.outcome}${status}: ${record.error}` };
  });
}

/** The exit code of a set of lines: 2 for any broken secret or InfluxDB, else 1 for any failed target. */
export function checkExit(lines: readonly CheckLine[]): CheckExit {
  if (lines.some((line) => !line.ok && line.subject !== 'target')) return CHECK_EXIT.broken;
  if (lines.some((line) => !line.ok)) return CHECK_EXIT.targetsFailed;
  return CHECK_EXIT.ok;
}

/** A line as printed: `ok   secret collector/chat: found; …`. */
export function formatCheckLine({ subject, name, ok, detail }: CheckLine): string {
  return `${ok ? 'ok  ' : 'FAIL'} ${subject} ${name}: ${detail}`;
}

function messageOf(error: unknown, secrets: RunSecrets): string {
  return secrets.scrub(error instanceof Error ? error.message : String(error));
}
