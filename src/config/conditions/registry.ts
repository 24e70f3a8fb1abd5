// The conditions (when a selected process is acted on), config side: one module per condition
// in this folder, in the order the rules file documents them. Each declares its zod fragment
// and its normalised form; the schema and normalise read them from here and name no condition.
// The rules half (src/rules/conditions/) is keyed by `field` and typed as a complete record of
// this registry's fields: a condition added here without its rules half does not compile.
import type { z } from "zod";
import { groupLeader } from "./group-leader.js";
import { olderThan } from "./older-than.js";
import { orphaned } from "./orphaned.js";
import { rssOver } from "./rss-over.js";
import { sessionLeader } from "./session-leader.js";
import type { ConditionSpec } from "./spec.js";
import { state } from "./state.js";
import { unitMainTree } from "./unit-main-tree.js";
import { unitStopped } from "./unit-stopped.js";

export const CONDITION_SPECS = [
  orphaned,
  groupLeader,
  sessionLeader,
  olderThan,
  rssOver,
  state,
  unitStopped,
  unitMainTree,
] as const;

type Spec = (typeof CONDITION_SPECS)[number];
export type ConditionKey = Spec["key"];

/** When a selected process is acted on (normalised). Every given condition must hold. */
export type Conditions = {
  [S in Spec as S["field"]]?: ReturnType<S["normalise"]>;
};
export type ConditionField = keyof Conditions;

/** The rules file's condition keys, in the schema's order. */
export const CONDITION_KEYS: ConditionKey[] = CONDITION_SPECS.map((s) => s.key);

/** The zod shape of the conditions, for a rule's `match`. */
export const conditionShape = Object.fromEntries(CONDITION_SPECS.map((s) => [s.key, s.schema])) as {
  [S in Spec as S["key"]]: S["schema"];
};

/** Validated raw conditions (the schema accepted them) → the normalised Conditions. */
export function normaliseConditions(raw: { [K in ConditionKey]?: unknown }): Conditions {
  const conditions: Record<string, unknown> = {};
  for (const spec of CONDITION_SPECS as readonly AnySpec[]) {
    const value = raw[spec.key as ConditionKey];
    if (value !== undefined) conditions[spec.field] = spec.normalise(value);
  }
  return conditions as Conditions;
}

/** A spec with its types erased: the loop above sees each one through its own function only. */
type AnySpec = ConditionSpec<string, string, z.ZodOptional, unknown> & {
  normalise(raw: unknown): unknown;
};
