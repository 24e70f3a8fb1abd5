// Who adopts orphans: PID 1, and subreapers (systemd --user, tini, container shims…), which the
// kernel gives orphans to before PID 1. The kernel does not expose the subreaper flag in /proc,
// so subreapers are recognised by name (settings.reapers).
import type { Settings } from "../config/types.js";
import type { ProcessInfo } from "../scan/types.js";

export interface Adopters {
  /** Whether a process whose parent is `ppid` is an orphan. */
  adopts(ppid: number): boolean;
}

export function findAdopters(processes: readonly ProcessInfo[], settings: Settings): Adopters {
  const reaperNames = new Set(settings.reapers);
  const reaperPids = new Set<number>();
  for (const p of processes) {
    if (p.pid !== 1 && !p.kernelThread && reaperNames.has(p.comm)) reaperPids.add(p.pid);
  }
  return {
    adopts: (ppid) => (ppid === 1 ? settings.pid1AdoptsOrphans : reaperPids.has(ppid)),
  };
}
