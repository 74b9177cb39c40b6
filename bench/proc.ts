import { readdir, readFile } from 'node:fs/promises';

/** Linux's `USER_HZ`: `/proc/<pid>/stat` counts CPU time in these ticks (100 a second on every Linux we run on). */
const TICKS_PER_SECOND = 100;

/** What `/proc` says of a running process: the same measure for the collector's node and for collectd. */
export interface ProcFigures {
  /**
   * CPU time of the process's threads, in ms: the sum of each live thread's `schedstat` run time (ns), or, where the
   * kernel keeps no `schedstat`, user + system time from `stat` (10 ms ticks, exited threads included).
   */
  cpuMs: number;
  /** How `cpuMs` was read: a 10 ms tick makes a 6-round figure of collectd's (about 60 ms) ±15 %. */
  source: 'schedstat' | 'stat';
  /** Peak resident set size so far (`VmHWM`), in MB (10^6 bytes). */
  peakRssMb: number;
}

/** Run time of every live thread of the process, in ms; undefined without `schedstat`. */
async function threadRunTimeMs(pid: number): Promise<number | undefined> {
  let total = 0;
  for (const thread of await readdir(`/proc/${pid}/task`)) {
    let schedstat: string;
    try {
      schedstat = await readFile(`/proc/${pid}/task/${thread}/schedstat`, 'utf8');
    } catch (error) {
      // A thread that ended between the listing and the read: its time is gone either way.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      if ((error as NodeJS.ErrnoException).code === 'EACCES') return undefined;
      throw error;
    }
    const runNs = Number(schedstat.split(' ')[0]);
    if (!Number.isFinite(runNs)) return undefined;
    total += runNs / 1e6;
  }
  return total;
}

/** Reads a process's CPU time and peak RSS from `/proc`; throws when the process is gone. */
export async function procFigures(pid: number): Promise<ProcFigures> {
  const [stat, status, runMs] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
    threadRunTimeMs(pid),
  ]);
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const hwmKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  const peakRssMb = (hwmKb * 1024) / 1e6;
  return runMs === undefined || runMs === 0
    ? { cpuMs: (ticks * 1000) / TICKS_PER_SECOND, source: 'stat', peakRssMb }
    : { cpuMs: runMs, source: 'schedstat', peakRssMb };
}
