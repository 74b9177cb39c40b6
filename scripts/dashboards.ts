/**
 * `npm run dashboards`: writes the Grafana dashboard JSON and the provisioning files from dashboards/src/*.ts.
 * `--check` writes nothing and exits 1 when a committed file differs from what the sources generate.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../dashboards/src/index.js';

const ROOT = fileURLToPath(new URL('../dashboards/', import.meta.url));
const check = process.argv.includes('--check');

let stale = 0;
for (const [path, content] of Object.entries(generatedFiles())) {
  const file = join(ROOT, path);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === content) {
    process.stdout.write(`unchanged  dashboards/${path}\n`);
    continue;
  }
  if (check) {
    stale++;
    process.stdout.write(`stale      dashboards/${path}\n`);
    continue;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
  process.stdout.write(`wrote      dashboards/${path}\n`);
}
if (stale > 0) {
  process.stderr.write(`${stale} file(s) differ from dashboards/src: run npm run dashboards\n`);
  process.exitCode = 1;
}
