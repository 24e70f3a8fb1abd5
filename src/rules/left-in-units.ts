// `cleanup status`, without any rule: the processes left in the cgroup of a systemd unit that
// is no longer active (unit_stopped's definition: inactive, failed, deactivating past its stop
// timeout, an abandoned scope). A unit with KillMode=process or mixed, or whose main process
// died, leaves them there, and systemd says so only at the unit's next start (systemd #13288).
// Pure: the run stage reads the cgroups and asks systemd (run/left-in-units.ts).
import type { UnitStates } from "../host/unit-states.js";
import { unitOfCgroup } from "../scan/cgroup.js";
import type { ProcessInfo } from "../scan/types.js";
import type { ProcessRef } from "./plan-types.js";
import { unitFacts } from "./unit-facts.js";

export interface LeftInStoppedUnits {
  /** The processes, largest RSS first, each with its unit and the unit's state. */
  processes: ProcessRef[];
  /** The system manager's units with processes, whose states were asked. */
  unitsChecked: number;
  /** Processes in a system unit whose state systemd did not tell (see `problem`). */
  unknown: number;
  /** Processes in a user manager's (`systemd --user`) units: those states are never asked. */
  inUserUnits: number;
  /** Why some states are unknown (systemctl failed, timed out, is missing), or null. */
  problem: string | null;
}

export interface LeftFound {
  left: ProcessInfo[];
  unknown: number;
  inUserUnits: number;
}

/** Of `processes` (their cgroups read), those in a stopped unit; kernel threads never are. */
export function findLeftInStoppedUnits(
  processes: readonly ProcessInfo[],
  units: UnitStates,
): LeftFound {
  const left: ProcessInfo[] = [];
  let unknown = 0;
  let inUserUnits = 0;
  for (const p of processes) {
    if (p.kernelThread) continue;
    const facts = unitFacts(p, units);
    if (facts.known) {
      if (facts.stop.stopped) left.push(p);
    } else if (facts.unit !== null) {
      if (p.cgroup && unitOfCgroup(p.cgroup)?.manager) inUserUnits += 1;
      else unknown += 1;
    }
  }
  return {
    left: left.sort((a, b) => b.rssBytes - a.rssBytes || a.pid - b.pid),
    unknown,
    inUserUnits,
  };
}
