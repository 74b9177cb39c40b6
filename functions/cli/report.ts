import { writeFile } from 'node:fs/promises';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { selectTargets } from '../config/select.js';
import { buildReport, DEFAULT_COVERAGE_WARN_PERCENT } from '../report/build.js';
import { type ReportPeriod, resolveReportPeriod } from '../report/period.js';
import { InfluxQueryError, openInfluxReader } from '../report/query.js';
import { FORMATS, type Format, renderReport } from '../report/render/index.js';
import { FileSecretSource } from '../secrets/file.js';
import { RunSecrets } from '../secrets/run-secrets.js';
import { SecretsManagerSource } from '../secrets/secrets-manager.js';
import { SecretError, type SecretSource } from '../secrets/source.js';
import { parseFlags } from './args.js';
import { type CliIo, EXIT, runIfMain } from './main.js';

/** The options of `npm run report` (see docs/cli.md). */
export interface ReportArgs {
  config: string;
  secretsFile?: string;
  from?: string;
  to?: string;
  period?: string;
  format: Format;
  out?: string;
  targets: string[];
  /** Coverage below this percentage is flagged. */
  coverageWarn: number;
  help: boolean;
}

export const REPORT_USAGE = `Usage: npm run report -- --config FILE (--from ISO --to ISO | --period NAME) [options]

  --config FILE         the collector config: the report reads InfluxDB with its settings (required)
  --from ISO --to ISO   the period, half-open [from, to): e.g. --from 2026-10-01 --to 2026-11-01
  --period NAME         day, week or month (the current one, up to the start of the previous
                        minute), or last-month; calendar periods in UTC
  --format FORMAT       table (default), json, csv, md or html
  --out FILE            write the report to FILE instead of stdout
  --target NAME         only this target (repeatable)
  --coverage-warn PCT   flag a coverage of samples below PCT percent (default ${DEFAULT_COVERAGE_WARN_PERCENT})
  --secrets-file FILE   JSON map of secret name -> value, instead of AWS Secrets Manager
  -h, --help            this text

Per target: peak live users and when, p95, mean, the queue's peak and minutes, the demand peak (live plus
queued), the capacity with headroom and minutes at or near it, a forecast of the daily demand peaks and a
verdict (upgrade, watch, oversized, ok, unknown), samples present vs expected, the plan's cap and overage
counters, and the change against the previous calendar period (--from/--to: the same length before).
Times are UTC.
Exit codes: 0 report written, 1 InfluxDB could not be queried, 2 bad flags or configuration.`;

/** Parses argv; a bad flag is a `ConfigError` (exit 2) that names it. */
export function parseReportArgs(argv: readonly string[]): ReportArgs {
  const { values } = parse(argv);
  if (values.help)
    return {
      config: '',
      format: 'table',
      targets: [],
      coverageWarn: DEFAULT_COVERAGE_WARN_PERCENT,
      help: true,
    };
  if (!values.config) throw new ConfigError(['--config FILE is required']);
  const format = values.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new ConfigError([`--format: "${format}" is not one of ${FORMATS.join(', ')}`]);
  }
  return {
    config: values.config,
    ...(values['secrets-file'] ? { secretsFile: values['secrets-file'] } : {}),
    ...(values.from !== undefined ? { from: values.from } : {}),
    ...(values.to !== undefined ? { to: values.to } : {}),
    ...(values.period !== undefined ? { period: values.period } : {}),
    format: format as Format,
    ...(values.out ? { out: values.out } : {}),
    targets: values.target ?? [],
    coverageWarn: parseCoverageWarn(values['coverage-warn']),
    help: false,
  };
}

function parseCoverageWarn(text: string | undefined): number {
  if (text === undefined) return DEFAULT_COVERAGE_WARN_PERCENT;
  const value = Number(text.replace(/%$/, ''));
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new ConfigError([`--coverage-warn: "${text}" is not a percentage from 0 to 100 (e.g. 99 or 99.5)`]);
  }
  return value;
}

function parse(argv: readonly string[]) {
  return parseFlags(argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    period: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    'coverage-warn': { type: 'string' },
  });
}

export interface ReportIo extends CliIo {
  /** The clock the calendar periods are relative to. @default Date.now */
  now?: () => number;
}

/** `npm run report`: returns the exit code instead of exiting, so that tests can run it in-process too. */
export async function runReportCli(argv: readonly string[], io: ReportIo): Promise<number> {
  const now = io.now ?? Date.now;
  let args: ReportArgs;
  let period: ReportPeriod;
  try {
    args = parseReportArgs(argv);
    if (args.help) {
      io.stdout.write(`${REPORT_USAGE}\n`);
      return EXIT.ok;
    }
    // Flags first: a mistyped period should not wait for a config file or a secret to be read.
    period = resolveReportPeriod(args, now());
    const config = await loadConfig(args.config);
    const targets = selectTargets(config, args.targets);
    const source: SecretSource = args.secretsFile
      ? await FileSecretSource.load(args.secretsFile)
      : new SecretsManagerSource();
    const reader = await openInfluxReader(config.influx, new RunSecrets(source));
    const report = await buildReport(targets, period, reader, {
      charts: args.format === 'html',
      coverageWarnPercent: args.coverageWarn,
      now: now(),
    });
    const text = await renderReport(report, args.format);
    if (!args.out) {
      io.stdout.write(text);
      return EXIT.ok;
    }
    try {
      await writeFile(args.out, text);
    } catch (cause) {
      io.stderr.write(
        `error: cannot write ${args.out} (${(cause as NodeJS.ErrnoException).code ?? cause})\n`,
      );
      return EXIT.failed;
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SecretError) {
      const problems = error instanceof ConfigError ? error.problems : [error.message];
      for (const problem of problems) io.stderr.write(`config error: ${problem}\n`);
      io.stderr.write('no report was made (run with --help for usage)\n');
      return EXIT.config;
    }
    if (error instanceof InfluxQueryError) {
      io.stderr.write(`error: ${error.message}\nno report was made\n`);
      return EXIT.failed;
    }
    throw error;
  }
}

runIfMain(import.meta.url, 'report', runReportCli);
