import { readFile } from 'node:fs/promises';

/** Linux's `USER_HZ`: `/proc/<pid>/stat` counts CPU time in these ticks (100 a second on every Linux we run on). */
const TICKS_PER_SECOND = 100;

/** What `/proc` says of a running process: the same measure for the collector's node and for collectd. */
export interface ProcFigures {
  /** User + system CPU time since the process started, in ms (10 ms resolution). */
  cpuMs: number;
  /** Peak resident set size so far (`VmHWM`), in MB (10^6 bytes). */
  peakRssMb: number;
}

/** Reads a process's CPU time and peak RSS from `/proc`; throws when the process is gone. */
export async function procFigures(pid: number): Promise<ProcFigures> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
  ]);
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const hwmKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return { cpuMs: (ticks * 1000) / TICKS_PER_SECOND, peakRssMb: (hwmKb * 1024) / 1e6 };
}
