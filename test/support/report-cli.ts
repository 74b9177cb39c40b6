import { PassThrough } from 'node:stream';
import { runReportCli } from '../../functions/cli/report.js';

/** Runs `npm run report` in this process, with `now` as its clock, and returns its exit code and output. */
export async function reportInProcess(
  args: string[],
  now?: () => number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await runReportCli(args, { stdout, stderr, ...(now ? { now } : {}) });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
