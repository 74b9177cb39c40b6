import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { runProcess } from '../devtools/process.js';
import { REQUIRE_SHIM } from './child.js';
import { median } from './stats.js';

export interface HandlerBundle {
  file: string;
  /** Bytes of `index.mjs`, what Lambda loads. */
  bytes: number;
  /** Bytes of `index.mjs.map`, shipped beside it for `--enable-source-maps`. */
  mapBytes: number;
}

/**
 * Bundles the Lambda handler with the options `infra/constructs/collector-function.ts` gives `NodejsFunction`
 * (ESM, minified, `module` before `main`, the `require` shim, source map without sources, the AWS SDK bundled,
 * target = the runtime, Node.js 24). Keep the two in step: the bench measures what is deployed.
 */
export async function buildHandler(projectRoot: string, outDir: string): Promise<HandlerBundle> {
  const file = join(outDir, 'index.mjs');
  await build({
    entryPoints: [join(projectRoot, 'functions', 'handlers', 'collect.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_SHIM },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: [],
    logLevel: 'warning',
  });
  const [code, map] = await Promise.all([stat(file), stat(`${file}.map`)]);
  return { file, bytes: code.size, mapBytes: map.size };
}

/** One fresh `node` process importing the bundle. */
export interface ColdImport {
  /** From the start of `import()` to its end, in ms. */
  importMs: number;
  /** From the process's time origin (its start) to the end of the import: ready to take an event, in ms. */
  readyMs: number;
  /** Resident memory right after the import, in MB (10^6 bytes). */
  rssMb: number;
}

export interface ColdImportSummary extends ColdImport {
  runs: ColdImport[];
  nodeOptions: string;
}

/** The environment Lambda and the construct give the function, as far as the bench can tell. */
export const LAMBDA_LIKE_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench-collector',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  COLLECTOR_CONFIG_PATH: '/var/task/collector.config.json',
  POWERTOOLS_SERVICE_NAME: 'concurrency-collector',
  POWERTOOLS_METRICS_NAMESPACE: 'ConcurrencyCollector',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  NODE_OPTIONS: '--enable-source-maps',
} as const;

function importOnce(file: string, nodeOptions: string): Promise<ColdImport> {
  const script = [
    'const started = performance.now();',
    `await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'const ready = performance.now();',
    'process.stdout.write(JSON.stringify({ importMs: ready - started, readyMs: ready,',
    '  rssMb: process.memoryUsage().rss / 1e6 }));',
  ].join('\n');
  return runProcess(process.execPath, ['--input-type=module', '-e', script], {
    // Only what Lambda would set: the bench's own NODE_OPTIONS (tsx's loader) must not leak in.
    // The spill bucket's client is built at import (no request is made): the deployed function has one.
    env: {
      PATH: process.env.PATH ?? '',
      ...LAMBDA_LIKE_ENV,
      SPILL_BUCKET: 'bench-spill',
      NODE_OPTIONS: nodeOptions,
    },
    timeoutMs: 30_000,
  }).then(({ code, stdout, stderr }) => {
    if (code !== 0) throw new Error(`importing the handler bundle failed (${code}): ${stderr.slice(-2000)}`);
    return JSON.parse(stdout) as ColdImport;
  });
}

/**
 * Imports the bundle in `runs` fresh processes, one after another, with the function's `NODE_OPTIONS`; returns
 * the median of each figure. The first run warms the page cache as Lambda's own copy of the code would be.
 */
export async function coldImport(
  file: string,
  runs: number,
  nodeOptions: string,
): Promise<ColdImportSummary> {
  const results: ColdImport[] = [];
  for (let index = 0; index < runs; index++) results.push(await importOnce(file, nodeOptions));
  return {
    importMs: median(results.map((run) => run.importMs)),
    readyMs: median(results.map((run) => run.readyMs)),
    rssMb: median(results.map((run) => run.rssMb)),
    runs: results,
    nodeOptions,
  };
}
