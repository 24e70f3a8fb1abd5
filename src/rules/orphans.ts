// Who adopts orphans: PID 1, and subreapers (systemd --user, tini, container shims…), which the
// kernel gives orphans to before PID 1. The kernel does not expose the subreaper flag in /proc,
// so subreapers are recognised by name (settings.reapers).
import type { Settings } from "../config/types.js";
import type { ProcessInfo } from "../scan/types.js";

export interface Adopters {
  /** Whether a process whose parent is `ppid` is an orphan. */
  adopts(ppid: number): boolean;
  /** "orphaned (parent 1 systemd)" or "parent alive (parent 50 python3)". */
  describe(ppid: number): string;
}

export function findAdopters(
  processes: readonly ProcessInfo[],
  settings: Settings,
  lookup: (pid: number) => ProcessInfo | undefined,
): Adopters {
  const reaperNames = new Set(settings.reapers);
  const reaperPids = new Set<number>();
  for (const p of processes) {
    if (p.pid !== 1 && !p.kernelThread && reaperNames.has(p.comm)) reaperPids.add(p.pid);
  }
  const adopts = (ppid: number): boolean =>
    ppid === 1 ? settings.pid1AdoptsOrphans : reaperPids.has(ppid);
  // One string per parent, not one per child: 10,000 orphans share "orphaned (parent 1 …)".
  const facts = new Map<number, string>();
  return {
    adopts,
    describe(ppid) {
      let fact = facts.get(ppid);
      if (fact === undefined) {
        const name = lookup(ppid)?.comm;
        const parent = `parent ${ppid}${name ? ` ${name}` : ""}`;
        fact = adopts(ppid) ? `orphaned (${parent})` : `parent alive (${parent})`;
        facts.set(ppid, fact);
      }
      return fact;
    },
  };
}
