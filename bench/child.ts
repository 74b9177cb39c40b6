import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { runProcess } from '../devtools/process.js';

/** ESM bundles have no `require`; some CommonJS dependencies still call it for Node built-ins (as in infra/). */
export const REQUIRE_SHIM =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Bundles a bench entry (`bench/<name>.ts`) into `outDir/<name>.mjs`, so that it runs in plain `node` as Lambda
 * runs the handler's bundle: no TypeScript loader in the process to blur its memory and CPU figures.
 */
export async function bundleEntry(projectRoot: string, name: string, outDir: string): Promise<string> {
  const outfile = join(outDir, `${basename(name)}.mjs`);
  await build({
    entryPoints: [join(projectRoot, 'bench', `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_SHIM },
    logLevel: 'warning',
  });
  return outfile;
}

export interface RunOptions {
  /** The child's whole environment; the bench's own by default (tsx's loader is in its argv, not inherited). */
  env?: NodeJS.ProcessEnv;
  /** @default 180000 */
  timeoutMs?: number;
  /** Options for `node` itself, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

/** What a child printed: its result (the last line, parsed), and the rest (the handler's logs). */
export interface ChildOutput<T> {
  result: T;
  /** Lines of stdout before the result, then lines of stderr. */
  log: string[];
}

/** Runs a bundled entry in a fresh `node` process with one JSON argument, and parses its last line of output. */
export function runNode<T>(
  script: string,
  argument: unknown,
  options: RunOptions = {},
): Promise<ChildOutput<T>> {
  return runProcess(process.execPath, [...(options.nodeArgs ?? []), script, JSON.stringify(argument)], {
    timeoutMs: options.timeoutMs ?? 180_000,
    env: options.env ?? process.env,
  }).then(({ code, signal, stdout, stderr }) => {
    const lines = stdout.trim().split('\n');
    const line = lines.pop() ?? '';
    if (code !== 0 || line === '') {
      throw new Error(`${basename(script)} exited with ${code ?? signal}: ${stderr.trim().slice(-2000)}`);
    }
    return { result: JSON.parse(line) as T, log: [...lines, ...stderr.trim().split('\n')] };
  });
}
