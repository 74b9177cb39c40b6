import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary folder for one test file; `cleanup()` removes it. */
export function tempDir(prefix = 'collector-test-'): {
  path: string;
  file(name: string, json: unknown): string;
  cleanup(): void;
} {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file(name, json) {
      const file = join(path, name);
      writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json, null, 2));
      return file;
    },
    cleanup() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
