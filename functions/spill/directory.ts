import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeBatch, type RefusedLines, rejectedBatch, type SpillStore, spilledBatch } from './store.js';

/**
 * The CLI's spill: one `.lp.gz` file per failed batch directly in the folder, refused lines in `rejected/`,
 * carried state in `state/`. Files are written under a temporary name and renamed, so a crash never leaves a
 * half-written batch to replay.
 */
export class DirectorySpillStore implements SpillStore {
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = `directory ${dir}`;
  }

  async put(lines: readonly string[], at: number): Promise<string> {
    const { name, body } = await spilledBatch(lines, at);
    await this.writeAtomic(this.dir, name, body);
    return name;
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    return names.filter((name) => name.endsWith('.lp.gz')).sort();
  }

  async read(key: string): Promise<string[]> {
    return decodeBatch(await readFile(join(this.dir, key)));
  }

  async delete(key: string): Promise<void> {
    await rm(join(this.dir, key), { force: true });
  }

  async reject(refused: readonly RefusedLines[], at: number): Promise<string> {
    const { name, body } = await rejectedBatch(refused, at);
    await this.writeAtomic(join(this.dir, 'rejected'), name, body);
    return `rejected/${name}`;
  }

  async readState(name: string): Promise<string | undefined> {
    return readFile(join(this.dir, 'state', `${name}.json`), 'utf8').catch(() => undefined);
  }

  async writeState(name: string, text: string): Promise<void> {
    await this.writeAtomic(join(this.dir, 'state'), `${name}.json`, Buffer.from(text));
  }

  private async writeAtomic(dir: string, name: string, body: Buffer): Promise<void> {
    await mkdir(dir, { recursive: true });
    const temporary = join(dir, `.${name}.tmp`);
    await writeFile(temporary, body);
    await rename(temporary, join(dir, name));
  }
}
