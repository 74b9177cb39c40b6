import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from '../../devtools/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of the project's CLIs (`functions/cli/<name>.ts`) in a fresh process, as `npm run <name>` would, from
 * a fresh working directory, so that what it keeps beside itself (`.collector/spill`) stays out of the repository.
 */
export async function runCli(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const cwd = mkdtempSync(join(tmpdir(), 'collector-cli-'));
  try {
    const { code, stdout, stderr } = await runProcess(
      TSX,
      [join(ROOT, 'functions', 'cli', `${name}.ts`), ...args],
      {
        cwd,
        env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' },
        timeoutMs: 60_000,
      },
    );
    return { code, stdout, stderr };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
