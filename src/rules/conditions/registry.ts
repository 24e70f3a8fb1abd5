// The conditions, rules side: one module per condition in this folder. The plan, the detail
// filter and explain read them from here and name no condition. BY_FIELD must hold a check for
// every field of the config registry's Conditions, so a condition added there without its
// rules half does not compile (src/config/conditions/registry.ts).
import type { Conditions, ConditionField } from "../../config/types.js";
import { CONDITION_SPECS } from "../../config/conditions/registry.js";
import type { ProcessInfo } from "../../scan/types.js";
import type { ConditionCheck, ConditionContext, Failed } from "./check.js";
import { groupLeader } from "./group-leader.js";
import { olderThan } from "./older-than.js";
import { orphaned } from "./orphaned.js";
import { rssOver } from "./rss-over.js";
import { sessionLeader } from "./session-leader.js";
import { state } from "./state.js";
import { unitMainTree } from "./unit-main-tree.js";
import { unitStopped } from "./unit-stopped.js";

/** In the order the plan checks them and lists their facts (the rules file's order). */
const BY_FIELD = {
  orphaned,
  groupLeader,
  sessionLeader,
  olderThanMs: olderThan,
  rssOver,
  state,
  unitStopped,
  unitMainTree,
} as const satisfies {
  readonly [F in ConditionField]: ConditionCheck<F, string>;
};

type Check = (typeof BY_FIELD)[ConditionField];
/** Every spare code a condition can give. */
export type ConditionCode = Check["codes"][number];

const CHECKS: readonly ConditionCheck<ConditionField, ConditionCode>[] = Object.values(BY_FIELD);

export const CONDITION_CODES: readonly ConditionCode[] = [
  ...new Set(CHECKS.flatMap((c) => c.codes)),
];

/** A field as the rules file spells it (olderThanMs → older_than). */
export const CONDITION_FIELD_KEYS = Object.fromEntries(
  CONDITION_SPECS.map((s) => [s.field, s.key]),
) as { readonly [F in ConditionField]: (typeof CONDITION_SPECS)[number]["key"] };

export interface ConditionResult {
  facts: string[];
  failures: Failed<ConditionCode>[];
}

/**
 * Every given condition checked, in the registry's order. `statOnly`: only those that need no
 * detail (the detail filter, before the scan read the rest) — the others count as holding.
 */
export function checkConditions(
  conditions: Conditions,
  p: ProcessInfo,
  context: ConditionContext,
  statOnly = false,
): ConditionResult {
  const facts: string[] = [];
  const failures: Failed<ConditionCode>[] = [];
  for (const c of CHECKS) {
    const value = conditions[c.field];
    if (value === undefined || (statOnly && !c.statOnly)) continue;
    const result = c.check(value, p, context);
    if (result.held) facts.push(result.fact);
    else failures.push(result);
  }
  return { facts, failures };
}

/** Whether any of these conditions needs the units' states (and so the cgroups read). */
export function needsUnitStates(conditions: Conditions): boolean {
  return CHECKS.some((c) => c.needsUnits === true && conditions[c.field] !== undefined);
}

/** Whether any of these conditions looks beyond a process and its ancestors (check.ts wholeTable). */
export function needsWholeTable(conditions: Conditions): boolean {
  return CHECKS.some((c) => c.wholeTable === true && conditions[c.field] !== undefined);
}

/** The given conditions one by one, each as its own Conditions (explain checks each alone). */
export function eachCondition(conditions: Conditions): [ConditionField, Conditions][] {
  return CHECKS.flatMap((c) => {
    const value = conditions[c.field];
    return value === undefined ? [] : [[c.field, { [c.field]: value } as Conditions]];
  });
}
