// The run's one question to systemd: the states of the units that have candidate processes,
// asked only when a rule's condition needs them (no rule, no call). The plan stays pure: it
// gets the answer as a map (ConditionContext.units).
import type { Config } from "../config/types.js";
import {
  readUnitStates,
  type ReadUnitStatesOptions,
  type UnitStates,
} from "../host/unit-states.js";
import { conditionsNeedUnits } from "../rules/detail-filter.js";
import { matchSelector } from "../rules/match.js";
import { systemUnitsOf } from "../rules/unit-facts.js";
import type { ProcessInfo, Snapshot } from "../scan/types.js";

/** The units of the processes some unit-condition rule selects; null = no rule needs any. */
export function unitsWanted(snapshot: Snapshot, config: Config): Set<string> | null {
  if (!conditionsNeedUnits(config)) return null;
  const byPid = new Map(snapshot.processes.map((p) => [p.pid, p]));
  const lookup = (pid: number): ProcessInfo | undefined => byPid.get(pid);
  const rules = config.rules.filter((r) => conditionsNeedUnitsOf(r.conditions));
  const candidates = snapshot.processes.filter(
    (p) =>
      p.argv !== null &&
      !p.kernelThread &&
      rules.some((r) => matchSelector(r.selector, p, lookup) !== null),
  );
  return systemUnitsOf(candidates);
}

function conditionsNeedUnitsOf(conditions: Config["rules"][number]["conditions"]): boolean {
  return conditionsNeedUnits({ rules: [{ conditions }] } as unknown as Config);
}

/** Undefined when no rule needs them or no candidate sits in a unit: then no call is made. */
export async function fetchUnitStates(
  snapshot: Snapshot,
  config: Config,
  options: ReadUnitStatesOptions = {},
): Promise<UnitStates | undefined> {
  const wanted = unitsWanted(snapshot, config);
  if (wanted === null || wanted.size === 0) return undefined;
  return readUnitStates([...wanted].sort(), options);
}
