// The status stage behind "LEFT IN STOPPED UNITS": every process's cgroup (the scan read it only
// where a rule needed it), one `systemctl show` for the system units that have processes, and
// the pure selection (rules/left-in-units.ts). Status only: a run reads cgroups and asks
// systemd only for what its rules need.
import { UserNames, withDetails } from "../host/process-details.js";
import { noUnitStates, readUnitStates } from "../host/unit-states.js";
import { findLeftInStoppedUnits, type LeftInStoppedUnits } from "../rules/left-in-units.js";
import { ref } from "../rules/plan.js";
import { systemUnitsOf } from "../rules/unit-facts.js";
import { readCgroup } from "../scan/cgroup.js";
import type { ProcessInfo } from "../scan/types.js";
import type { Measured, Run } from "./types.js";

export async function leftInStoppedUnits(
  run: Run,
  measured: Measured,
): Promise<LeftInStoppedUnits | undefined> {
  if (run.mode !== "status") return undefined;
  const { ctx } = run;
  const processes: ProcessInfo[] = [];
  for (const p of measured.snapshot.processes) {
    if (p.kernelThread) continue;
    if (p.cgroup !== undefined) {
      processes.push(p);
      continue;
    }
    try {
      processes.push({ ...p, cgroup: readCgroup(ctx.procRoot, p.pid) });
    } catch {
      // gone since the scan
    }
  }
  const wanted = systemUnitsOf(processes);
  const units =
    wanted.size === 0
      ? noUnitStates("no process sits in a system unit")
      : await readUnitStates([...wanted].sort(), { timeoutMs: ctx.deadline.bound(5000) });
  const found = findLeftInStoppedUnits(processes, units);
  const users = new UserNames(ctx.passwdPath ?? undefined);
  return {
    processes: found.left
      .map((p) => withDetails(p, ctx.procRoot, users))
      .filter((p): p is ProcessInfo => p !== null)
      .map((p) => ref(p, units)),
    unitsChecked: wanted.size,
    unknown: found.unknown,
    inUserUnits: found.inUserUnits,
    problem: wanted.size === 0 ? null : units.problem,
  };
}
