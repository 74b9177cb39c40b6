import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { ConfigError } from '../config/errors.js';

/** The options of `npm run collect` (see docs/cli.md). */
export interface CollectArgs {
  config: string;
  once: boolean;
  dryRun: boolean;
  targets: string[];
  secretsFile?: string;
  /** Check the config's secrets, InfluxDB and targets once, then exit (0, 1 or 2). */
  check: boolean;
  /** Print the projects each discovering target finds, then exit. */
  listProjects: boolean;
  /** Where unwritten batches wait for the next run. */
  spillDir: string;
  help: boolean;
}

/** Beside the working directory, so that cron runs of `--once` from one folder share their spill. */
export const DEFAULT_SPILL_DIR = '.collector/spill';

export const COLLECT_USAGE = `Usage: npm run collect -- --config FILE [options]

  --config FILE         the collector config (required)
  --once                one sample of every target, now, then exit
  --dry-run             print line protocol to stdout; write nothing anywhere
  --target NAME         only this target (repeatable)
  --check               check every secret the config names, InfluxDB (one collector_check
                        point) and each target (one sample, written), one line each, then exit:
                        0 all answered, 1 only targets failed, 2 a secret or InfluxDB is wrong
  --list-projects       list the projects each discovering target finds (id, name, region,
                        status, polled or not), then exit
  --secrets-file FILE   JSON map of secret name -> value, instead of AWS Secrets Manager
  --spill-dir DIR       where batches InfluxDB did not take wait for the next run
                        (default ${DEFAULT_SPILL_DIR}; refused points go to DIR/rejected/)
  -h, --help            this text

Without --once it keeps running, one run per minute, like a scheduled Lambda.
Exit codes: 0 all samples taken and written, 1 a target failed or points were not written,
2 configuration error (nothing polled).`;

/** Parses argv; a bad flag is a `ConfigError` (exit 2) that names it. */
export function parseCollectArgs(argv: readonly string[]): CollectArgs {
  const { values } = parse(argv);
  if (values.help)
    return {
      check: false,
      listProjects: false,
      config: '',
      once: false,
      dryRun: false,
      targets: [],
      spillDir: DEFAULT_SPILL_DIR,
      help: true,
    };
  if (!values.config) throw new ConfigError(['--config FILE is required']);
  return {
    config: values.config,
    once: values.once ?? false,
    dryRun: values['dry-run'] ?? false,
    listProjects: values['list-projects'] ?? false,
    check: values.check ?? false,
    targets: values.target ?? [],
    ...(values['secrets-file'] ? { secretsFile: values['secrets-file'] } : {}),
    spillDir: values['spill-dir'] ?? DEFAULT_SPILL_DIR,
    help: false,
  };
}

function parse(argv: readonly string[]) {
  return parseFlags(argv, {
    once: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    'list-projects': { type: 'boolean' },
    check: { type: 'boolean' },
    'spill-dir': { type: 'string' },
  });
}

/** The flags both commands take. */
const COMMON_FLAGS = {
  config: { type: 'string' },
  'secrets-file': { type: 'string' },
  target: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

/**
 * Parses a command's flags strictly (an unknown flag or a positional is an error), the common ones included; a
 * bad flag is a `ConfigError` (exit 2) that names it.
 */
export function parseFlags<T extends ParseArgsOptionsConfig>(argv: readonly string[], flags: T) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { ...COMMON_FLAGS, ...flags },
    });
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
}
