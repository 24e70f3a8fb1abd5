// Whether the scanned table may lack processes that exist, so that "not in the table" does not
// mean "exited". A leader condition that would say "gone" says "unknown" then (fail closed).
//
// What hides a process from the scan:
// - /proc mounted with hidepid=2 (invisible): an agent that may not ptrace-read a process
//   (another user's, without CAP_SYS_PTRACE or the mount's gid=) does not see its /proc entry
//   at all. PID 1 (root's) is then hidden too; every pid namespace has a PID 1, so its absence
//   is the sign, read from the table itself.
// - hidepid=1 (noaccess): the entry is listed but its stat is unreadable; the scan counts it in
//   Snapshot.unreadable (EACCES, not vanished) and cannot tell which pid it was.
// A process that exited between the directory listing and its read is not counted: it is gone.
import type { ProcessInfo } from "../../scan/types.js";

/** Why the table may be incomplete, or null when every process was seen. */
export function tableGaps(processes: readonly ProcessInfo[], unreadable: number): string | null {
  if (unreadable > 0)
    return `${unreadable} /proc ${unreadable === 1 ? "entry was" : "entries were"} unreadable (hidepid?)`;
  if (!processes.some((p) => p.pid === 1)) return "PID 1 is not visible (hidepid?)";
  return null;
}
