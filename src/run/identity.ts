// Who this run is: the actor the plan judges permissions for, and the identity it writes into the
// lock. Read from <procRoot>/self, so a fixture tree can stand in for it.
import type { LockHolder } from "../act/lock.js";
import type { Actor } from "../rules/plan-types.js";
import { parseStat } from "../scan/parse-stat.js";
import { readProcText } from "../scan/read-file.js";

const CAP_KILL = 5n;

/** Who we are: root or CAP_KILL may signal anyone; others only their own processes. */
export function currentActor(procRoot: string): Actor {
  const uid = process.geteuid?.() ?? 0;
  let mayKillAnyUser = uid === 0;
  try {
    const status = readProcText(`${procRoot}/self/status`);
    const capEff = /\nCapEff:\s*([0-9a-f]+)/.exec(status)?.[1];
    if (capEff) mayKillAnyUser = ((BigInt(`0x${capEff}`) >> CAP_KILL) & 1n) === 1n;
  } catch {
    // Without /proc/self/status fall back to "root may": kill(2) will still say EPERM if not.
  }
  return { uid, mayKillAnyUser };
}

/** The lock's record of this process: a pid whose start time differs is another process. */
export function selfIdentity(procRoot: string, nowMs: number): LockHolder {
  let startTicks = 0;
  try {
    startTicks = parseStat(readProcText(`${procRoot}/self/stat`))?.startTicks ?? 0;
  } catch {
    startTicks = 0;
  }
  return { pid: process.pid, startTicks, since: new Date(nowMs).toISOString() };
}
