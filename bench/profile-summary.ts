/**
 * Where a scenario's CPU time went: `tsx bench/profile-summary.ts PROFILE.cpuprofile [BUNDLE.mjs]` sums the
 * self time of a `node --cpu-prof` profile by package or source file (read from the module markers esbuild
 * writes into an unminified bundle), and lists the heaviest functions. `npm run bench -- --cpu-prof DIR`
 * leaves one profile per scenario process in DIR, beside the bundles they ran.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { markdownTable } from './report.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [profileFile, bundleArgument] = process.argv.slice(2);
if (!profileFile) {
  process.stderr.write('usage: tsx bench/profile-summary.ts PROFILE.cpuprofile [BUNDLE.mjs]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
const bundleFile = bundleArgument ?? join(dirname(profileFile), 'scenario.mjs');

/** Line numbers where each module of the bundle starts (esbuild's `// path/to/module.js` comments). */
const markers: Array<[number, string]> = [];
try {
  readFileSync(bundleFile, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      const marker = /^\/\/ (\S+\.(?:m?[jt]s|cjs|json))$/.exec(line);
      if (marker?.[1]) markers.push([index, marker[1]]);
    });
} catch {
  // Without the bundle, code in it is reported as the bundle itself.
}

function moduleAt(line: number): string {
  let found = 'bundle';
  for (const [start, name] of markers) {
    if (start > line) break;
    found = name;
  }
  // A package's files count as the package: `npm:zod`, `npm:@influxdata/influxdb-client`.
  return found.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+).*$/, 'npm:$1');
}

function categoryOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  // `writeLatin1String` is the socket write itself: on loopback the kernel delivers the bytes in that call.
  if (url === '') return functionName === '' ? '(native)' : `(${functionName.replace(/^\(|\)$/g, '')})`;
  if (url === `file://${bundleFile}` || url.endsWith(`/${bundleFile.split('/').at(-1)}`)) {
    return moduleAt(node.callFrame.lineNumber);
  }
  if (url.includes('undici')) return 'node: fetch (undici)';
  if (url.startsWith('node:'))
    return `node: ${
      url
        .slice('node:'.length)
        .replace(/^internal\//, '')
        .split('/')[0]
    }`;
  return url;
}

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const byCategory = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, index) => {
  const node = byId.get(id);
  const micros = profile.timeDeltas[index] ?? 0;
  if (!node) return;
  total += micros;
  const category = categoryOf(node);
  byCategory.set(category, (byCategory.get(category) ?? 0) + micros);
  const name = `${node.callFrame.functionName || '(anonymous)'} [${category}]`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
});

// Shares are of the busy time: a tick mostly waits for answers, and the waiting costs no CPU.
const idle = byCategory.get('(idle)') ?? 0;
const busy = total - idle;
const top = (totals: Map<string, number>, count: number): string[][] =>
  [...totals]
    .filter(([name]) => !name.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => [name, (micros / 1000).toFixed(1), `${((micros / busy) * 100).toFixed(1)} %`]);

process.stdout.write(
  `${profileFile}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy\n\n` +
    `${markdownTable(['where (self time)', 'ms', 'share of busy'], top(byCategory, 25))}\n\n` +
    `${markdownTable(['function', 'ms', 'share of busy'], top(byFunction, 25))}\n`,
);
