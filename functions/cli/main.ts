import { pathToFileURL } from 'node:url';

/** Exit codes of docs/cli.md. */
export const EXIT = { ok: 0, failed: 1, config: 2 } as const;

/** A stopped CLI is gone within 5 s (the run stops sampling and spills at once; this is the backstop). */
const STOP_LIMIT_MS = 4_500;
/** Time for buffered output to drain after `main` returned, before the process is ended regardless. */
const LINGER_MS = 1_000;

/** Where a CLI writes, and what stops its long-running mode; tests run a CLI in-process with their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /**
   * SIGINT/SIGTERM: sampling stops, nothing is recorded for slots not yet due, what was taken is written (or, after
   * a short grace, spilled), and the CLI exits 1.
   */
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
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // A second signal, or a stop that takes too long, ends the process at once: cron and systemd wait for it.
      if (controller.signal.aborted) process.exit(EXIT.failed);
      controller.abort();
      setTimeout(() => process.exit(EXIT.failed), STOP_LIMIT_MS).unref();
    });
  }
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal })
    .then((code) => {
      process.exitCode = code;
      // Done: whatever is left open (a socket a server never closed) must not keep the process alive.
      setTimeout(() => process.exit(code), LINGER_MS).unref();
    })
    .catch((error: unknown) => {
      process.stderr.write(
        `${name} crashed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
      );
      process.exitCode = EXIT.failed;
    });
}
