// Who adopts orphans: PID 1, and subreapers (systemd --user, tini, container shims…), which the
// kernel gives orphans to before PID 1. The kernel does not expose the subreaper flag in /proc,
// and any process can give itself a reaper's name (comm), so a name in settings.reapers is only
// a candidate: it counts when the scan's evidence (scan/reaper-evidence.ts) says more. Without
// evidence it is no reaper, so its children are not orphans and nothing is killed on its account.
import type { Settings } from "../config/types.js";
import type { ProcessInfo, ReaperEvidence } from "../scan/types.js";

export interface Adopters {
  /** Whether a process whose parent is `ppid` is an orphan. */
  adopts(ppid: number): boolean;
  /** "orphaned (parent 1 systemd)" or "parent alive (parent 50 python3)". */
  describe(ppid: number): string;
}

/**
 * Directories only root writes to on a sane system. Not /opt or /home: packages and users put
 * their own trees there. /usr covers /usr/local/bin, /usr/libexec and /usr/lib/systemd.
 */
const SYSTEM_DIRECTORIES = /^\/(usr|bin|sbin|lib|lib32|lib64|libx32)\//;
const GROUP_OR_WORLD_WRITABLE = 0o022;

/** Whether a candidate (comm in settings.reapers) is a subreaper, and the words that say why. */
export function judgeReaper(
  comm: string,
  evidence: ReaperEvidence | undefined,
): { reaper: boolean; why: string } {
  if (!evidence) return { reaper: false, why: "not a reaper — nothing read but its name" };
  // The kernel gives a pid namespace's orphans to its init, whatever it is called.
  if (evidence.namespaceInit === true)
    return { reaper: true, why: "init of its own pid namespace" };
  const { exe } = evidence;
  if (exe === null) return { reaper: false, why: "not a reaper — its executable is unreadable" };
  const problem = exeProblem(comm, exe, evidence);
  return problem === null
    ? { reaper: true, why: `${exe}, root-owned` }
    : { reaper: false, why: `not a reaper — ${problem}` };
}

function exeProblem(comm: string, exe: string, e: ReaperEvidence): string | null {
  // comm is the first 15 bytes of the executable's name (containerd-shim-runc-v2 →
  // containerd-shim), so the name starts with it; exe of a replaced binary ends in " (deleted)".
  const base =
    exe
      .replace(/ \(deleted\)$/, "")
      .split("/")
      .pop() ?? "";
  if (!base.startsWith(comm)) return `${exe} is not ${comm}`;
  if (!SYSTEM_DIRECTORIES.test(exe)) return `${exe} is not in a system directory`;
  if (!e.sameMountNamespace) return `${exe} is in another mount namespace`;
  if (e.exeUid === null || e.exeMode === null) return `${exe} cannot be examined`;
  if (e.exeUid !== 0) return `${exe} is owned by uid ${e.exeUid}, not root`;
  if ((e.exeMode & GROUP_OR_WORLD_WRITABLE) !== 0)
    return `${exe} is writable by others (mode ${(e.exeMode & 0o7777).toString(8)})`;
  return null;
}

export function findAdopters(
  processes: readonly ProcessInfo[],
  settings: Settings,
  lookup: (pid: number) => ProcessInfo | undefined,
): Adopters {
  const reaperNames = new Set(settings.reapers);
  /** Candidates: pid → the verdict and why. */
  const candidates = new Map<number, { reaper: boolean; why: string }>();
  for (const p of processes) {
    if (p.pid !== 1 && !p.kernelThread && reaperNames.has(p.comm))
      candidates.set(p.pid, judgeReaper(p.comm, p.reaperEvidence));
  }
  const adopts = (ppid: number): boolean =>
    ppid === 1 ? settings.pid1AdoptsOrphans : candidates.get(ppid)?.reaper === true;
  // One string per parent, not one per child: 10,000 orphans share "orphaned (parent 1 …)".
  const facts = new Map<number, string>();
  return {
    adopts,
    describe(ppid) {
      let fact = facts.get(ppid);
      if (fact === undefined) {
        const name = lookup(ppid)?.comm;
        const why = candidates.get(ppid)?.why;
        const parent = `parent ${ppid}${name ? ` ${name}` : ""}${why ? `: ${why}` : ""}`;
        fact = adopts(ppid) ? `orphaned (${parent})` : `parent alive (${parent})`;
        facts.set(ppid, fact);
      }
      return fact;
    },
  };
}
