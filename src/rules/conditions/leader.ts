// Who leads a process's group or session, established from the scanned table: the shared half
// of `group_leader` and `session_leader`.
//
// A process in the table whose pid is the pgid (sid) IS the group's (session's) leader, never a
// newcomer that got the number again: Linux frees a pid number only when no task uses it as its
// pid, thread group, process group or session id (kernel/pid.c, __change_pid(): free_pid() only
// once no pid_has_task() for any PIDTYPE), as POSIX requires ("Process ID Reuse", XBD 4.14: a
// process group ID is not reused until the group's lifetime ends). So while this process is in
// group 4123, pid 4123 is the process that made the group, or nobody.
//
// "gone" is said only when the absence is known: a table that may lack processes (hidepid,
// unreadable entries; see table-gaps.ts) makes it "unknown", and unknown fails every standing.
import type { LeaderStanding } from "../../config/conditions/leader.js";
import type { ProcessInfo } from "../../scan/types.js";
import type { ConditionContext } from "./check.js";

export type Unit = "group" | "session";

/** Who leads it, as the plan's facts and `cleanup explain` give it. */
export interface Leadership {
  /** unknown: no pgid/sid, a table that may be incomplete, a zombie of unknown thread count. */
  standing: LeaderStanding | "unknown";
  /** The pgid or sid: the leader's pid. */
  leader: number;
  /** The leader's comm, when it is in the table. */
  leaderComm: string | null;
  /** "leads its group", "group leader 4123 alive (python3)", "not its group's leader; leader 4123 gone". */
  fact: string;
}

const ID = { group: "pgid", session: "sid" } as const;

export function leadership(unit: Unit, p: ProcessInfo, context: ConditionContext): Leadership {
  const id = unit === "group" ? p.pgid : p.sid;
  const own = `its ${unit}'s`;
  if (!Number.isInteger(id) || id <= 0) {
    // The kernel writes 0 for kernel threads and for a leader outside the reader's pid
    // namespace (pid_nr_ns() finds no number for it there): there is no leader to judge.
    const fact = `no ${unit} leader visible (${ID[unit]} ${id}: a kernel thread, or its leader is outside this pid namespace)`;
    return { standing: "unknown", leader: id, leaderComm: null, fact };
  }
  if (id === p.pid)
    return { standing: "self", leader: id, leaderComm: p.comm, fact: `leads its ${unit}` };
  const leader = context.lookup(id);
  if (!leader) {
    if (context.tableGaps !== null) {
      const fact = `not ${own} leader; leader ${id} not in the table, which may be incomplete: ${context.tableGaps}`;
      return { standing: "unknown", leader: id, leaderComm: null, fact };
    }
    return {
      standing: "gone",
      leader: id,
      leaderComm: null,
      fact: `not ${own} leader; leader ${id} gone`,
    };
  }
  const name = leader.comm;
  const stillIn = unit === "group" ? leader.pgid === id : leader.sid === id;
  if (!stillIn) {
    // A group leader may move to another group of its session (setpgid): the group it made
    // has no leader any more. A session leader can never leave (setsid and setpgid refuse it),
    // so this for a session means the table is inconsistent: say nothing.
    if (unit === "session") {
      const fact = `not ${own} leader; leader ${id} (${name}) is in session ${leader.sid}: the table is inconsistent`;
      return { standing: "unknown", leader: id, leaderComm: name, fact };
    }
    const fact = `not ${own} leader; leader ${id} (${name}) left it for group ${leader.pgid}`;
    return { standing: "gone", leader: id, leaderComm: name, fact };
  }
  if (leader.state === "Z" || leader.state === "X") {
    // A zombie thread group leader with other threads is a live process whose main thread
    // exited (pthread_exit); stat's thread count tells.
    if (leader.threads === undefined) {
      const fact = `not ${own} leader; leader ${id} (${name}) is a zombie of unknown thread count`;
      return { standing: "unknown", leader: id, leaderComm: name, fact };
    }
    if (leader.threads > 1)
      return {
        standing: "alive",
        leader: id,
        leaderComm: name,
        fact: `${unit} leader ${id} alive (${name}; its main thread exited, ${leader.threads - 1} more run)`,
      };
    return {
      standing: "gone",
      leader: id,
      leaderComm: name,
      fact: `not ${own} leader; leader ${id} gone (${name} exited, a zombie)`,
    };
  }
  return {
    standing: "alive",
    leader: id,
    leaderComm: name,
    fact: `${unit} leader ${id} alive (${name})`,
  };
}
