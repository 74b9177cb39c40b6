import { pathToFileURL } from 'node:url';

/** Exit codes of docs/cli.md. */
export const EXIT = { ok: 0, failed: 1, config: 2 } as const;

/** Where a CLI writes, and what stops its long-running mode; tests run a CLI in-process with their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Ends a long-running mode (SIGINT/SIGTERM); work in flight finishes first. */
  signal?: AbortSignal;
}

/**
 * Runs a CLI when its module is the process's entry point (`tsx functions/cli/x.ts`), and not when a test imports
 * it. The exit code is set rather than forced, so that buffered output is flushed; a crash is exit 1 with its stack.
 */
export function runIfMain(
  moduleUrl: string,
  name: string,
  main: (argv: string[], io: CliIo) => Promise<number>,
): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      process.stderr.write(
        `${name} crashed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
      );
      process.exitCode = EXIT.failed;
    });
}
