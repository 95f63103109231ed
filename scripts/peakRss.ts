/**
 * A child process's peak resident memory, for the benchmark scripts: VmHWM
 * from /proc (Linux), sampled while it runs.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/** The child's peak RSS so far in MB, or undefined once it has exited (or off Linux). */
export function peakRssMb(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Samples the child's peak RSS every 50 ms until it exits; resolves with its exit code and the peak. */
export async function watchPeak(child: ChildProcess): Promise<{ code: number; peakMb: number }> {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!) ?? 0)), 50);
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(timer);
  return { code, peakMb: peak };
}
