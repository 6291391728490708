/**
 * CPU time of a process tree from /proc (Linux), for benchmarks on a shared machine: wall time there depends on
 * what else runs, CPU time much less. PostgreSQL's work is its postmaster's tree: every backend, the exited ones
 * included (their time is added to the postmaster's cutime/cstime when it reaps them).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports times in these ticks (100 on every mainstream kernel build). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  /** utime + stime, ticks. */
  own: number;
  /** cutime + cstime: reaped children, ticks. */
  children: number;
}

function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted after its closing one.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
  return { ppid: Number(fields[1]), own: Number(fields[11]) + Number(fields[12]), children: Number(fields[13]) + Number(fields[14]) };
}

/** CPU time (µs) of `rootPid` and its live children, plus its reaped children's; NaN where /proc is absent. */
export function treeCpuMicros(rootPid: number): number {
  const root = procStat(rootPid);
  if (!root) return Number.NaN;
  let ticks = root.own + root.children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat?.ppid === rootPid) ticks += stat.own;
  }
  return (ticks / TICKS_PER_SECOND) * 1e6;
}
