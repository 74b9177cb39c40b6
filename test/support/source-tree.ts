import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The folders of code the source-tree tests read: the product and its tools (`test/` is theirs to judge). */
export const CODE_FOLDERS = ['functions', 'infra', 'dashboards', 'scripts', 'bench', 'simulator', 'devtools'];

/** Every TypeScript file under the code folders, as repository paths with `/`. */
export function codeFiles(): string[] {
  return CODE_FOLDERS.flatMap((dir) => filesUnder(join(REPO_ROOT, dir))).map((path) =>
    relative(REPO_ROOT, path).split('\\').join('/'),
  );
}

function filesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(path).isDirectory() ? filesUnder(path) : name.endsWith('.ts') ? [path] : [];
  });
}
