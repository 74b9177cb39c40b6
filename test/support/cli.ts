import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
export function runCli(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const cwd = mkdtempSync(join(tmpdir(), 'collector-cli-'));
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(TSX, [join(ROOT, 'functions', 'cli', `${name}.ts`), ...args], {
      cwd,
      env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  }).finally(() => rmSync(cwd, { recursive: true, force: true }));
}
