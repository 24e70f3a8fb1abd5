// What is known of the systemd unit a process sits in: its cgroup's unit (scan/cgroup.ts) and
// that unit's state as systemd told it this run (host/unit-states.ts, fetched by the run stage
// and handed to the pure plan). The one place the conditions, the reports and `status` learn
// "in unit worker.service, inactive (dead)" from, so that they never disagree.
import {
  stoppedness,
  type Stoppedness,
  type UnitState,
  type UnitStates,
} from "../host/unit-states.js";
import { unitOfCgroup, type UnitOfCgroup } from "../scan/cgroup.js";
import type { ProcessInfo } from "../scan/types.js";

export type UnitFacts =
  | { known: false; unit: string | null; why: string }
  | { known: true; unit: string; found: UnitOfCgroup; state: UnitState; stop: Stoppedness };

/** `units` absent: the run did not ask systemd (no rule needed it). */
export function unitFacts(p: ProcessInfo, units: UnitStates | undefined): UnitFacts {
  if (p.cgroup === undefined) return { known: false, unit: null, why: "cgroup not read" };
  if (p.cgroup === null) return { known: false, unit: null, why: "cgroup unreadable" };
  const found = unitOfCgroup(p.cgroup);
  if (found === null) return { known: false, unit: null, why: `in no unit (cgroup ${p.cgroup})` };
  const name = found.unit;
  if (found.manager !== null)
    return {
      known: false,
      unit: name,
      why: `unit ${name} of ${found.manager}: only the system manager's unit states are read`,
    };
  if (units === undefined)
    return { known: false, unit: name, why: `unit ${name}: state not read (systemd not asked)` };
  const state = units.states.get(name);
  if (state === undefined)
    return {
      known: false,
      unit: name,
      why: `unit ${name}: state unknown${units.problem ? ` (${units.problem})` : ""}`,
    };
  if (state.loadState === "not-found")
    return { known: false, unit: name, why: `unit ${name}: systemd does not know it (not-found)` };
  // A unit whose cgroup systemd names is elsewhere is another unit of that name (the agent
  // reads another cgroup namespace than the systemd it asks): its state is not this process's.
  if (
    state.controlGroup !== "" &&
    p.cgroup !== state.controlGroup &&
    !p.cgroup.startsWith(`${state.controlGroup}/`)
  )
    return {
      known: false,
      unit: name,
      why: `unit ${name}: systemd puts it at ${state.controlGroup}, not ${p.cgroup}`,
    };
  return { known: true, unit: name, found, state, stop: stoppedness(state, units.atMonotonicUs) };
}

/** "unit worker.service is inactive (dead)", or why it is unknown. */
export function unitWords(facts: UnitFacts): string {
  return facts.known ? `unit ${facts.unit} is ${facts.stop.words}` : facts.why;
}

/** The system manager's units the given processes sit in (those whose state could be asked). */
export function systemUnitsOf(processes: Iterable<ProcessInfo>): Set<string> {
  const units = new Set<string>();
  for (const p of processes) {
    if (!p.cgroup) continue;
    const found = unitOfCgroup(p.cgroup);
    if (found !== null && found.manager === null) units.add(found.unit);
  }
  return units;
}
