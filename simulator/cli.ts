/**
 * `npm run simulate [-- --port 8787] [--latency 0]`: runs the simulator on 127.0.0.1 until SIGINT or
 * SIGTERM, and prints a collector config and a secrets map pointing at it.
 *
 * stdout carries only the two JSON documents (config first, then secrets, separated by a blank
 * line) so it can be piped; status lines go to stderr.
 */
import { parseArgs } from 'node:util';
import { simulatorConfig, simulatorSecrets } from './config.js';
import { startSimulator } from './server.js';

const DEFAULT_PORT = 8787;

const USAGE = `usage: npm run simulate -- [--port N] [--latency MS]
  --port N       port on 127.0.0.1 to listen on (default ${DEFAULT_PORT}, 0 = any free port)
  --latency MS   delay added before every response (default 0)`;

/** Parsed command line. */
interface CliOptions {
  port: number;
  latencyMs: number;
}

function parseInteger(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`--${name} must be an integer between 0 and ${max}, got "${raw}"`);
  }
  return value;
}

/** Reads `--port` and `--latency`; `--help` prints the usage and exits. */
function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      latency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return {
    port: parseInteger('port', values.port, DEFAULT_PORT, 65_535),
    latencyMs: parseInteger('latency', values.latency, 0, 600_000),
  };
}

async function main(): Promise<void> {
  const options = parseCli(process.argv.slice(2));
  const simulator = await startSimulator({
    host: '127.0.0.1',
    port: options.port,
    latencyMs: options.latencyMs,
  });

  process.stdout.write(`${JSON.stringify(simulatorConfig(simulator.url), null, 2)}\n\n`);
  process.stdout.write(`${JSON.stringify(simulatorSecrets(), null, 2)}\n`);
  process.stderr.write(`simulator listening on ${simulator.url} (Ctrl-C to stop)\n`);

  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(`${signal}: stopping simulator after ${simulator.served.length} responses\n`);
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`simulate: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(2);
});
