// What one condition declares on the rules side: how it is checked on a scanned process, the
// fact the plan prints when it holds and the spare code and words when it does not. Its config
// half (schema, normalised form) is in src/config/conditions/.
import type { Conditions, ConditionField } from "../../config/types.js";
import type { UnitStates } from "../../host/unit-states.js";
import type { ProcessInfo } from "../../scan/types.js";
import type { Adopters } from "../orphans.js";
import type { Lookup } from "../selectors/matcher.js";

/** What a condition may consult besides the process: the same for every rule of a plan. */
export interface ConditionContext {
  readonly adopters: Adopters;
  readonly lookup: Lookup;
  /** Why the table may lack processes that exist (table-gaps.ts), or null: "gone" needs null. */
  readonly tableGaps: string | null;
  /**
   * The systemd units' states, when the run asked systemd (host/unit-states.ts); absent = not
   * asked: every unit condition is unknown and fails.
   */
  readonly units?: UnitStates;
}

export interface Held {
  readonly held: true;
  /** "orphaned (parent 1 systemd)", "age 2d ≥ 1d". */
  readonly fact: string;
}
export interface Failed<Code extends string = string> {
  readonly held: false;
  /** The plan's spare code (report.schema.json lists them all). */
  readonly code: Code;
  /** "too young (age 5m < 1h)". */
  readonly detail: string;
}

/** A condition's normalised value (what the config half made of the rules file's). */
export type ValueOf<F extends ConditionField> = NonNullable<Conditions[F]>;

// A method (not a function property) on purpose: the registry holds every check in one list
// typed by the union of fields, and calls each with its own field's value.
export interface ConditionCheck<F extends ConditionField, Code extends string> {
  readonly field: F;
  /** Every spare code check() can give. */
  readonly codes: readonly Code[];
  /**
   * True when the check needs only what every process has before the scan's detail read (stat
   * fields, the table itself): the detail filter may run it on every process.
   */
  readonly statOnly: boolean;
  /** True when the check needs the units' states (and so the cgroups): the run asks systemd. */
  readonly needsUnits?: boolean;
  /**
   * True when the check looks beyond the process and its ancestors: another process of the
   * table (its group's or session's leader) or what only the whole table tells (tableGaps). A
   * caller that reads the stat of some processes only (`cleanup port`: the holders and their
   * ancestors) must read every process's stat when a rule has such a condition.
   */
  readonly wholeTable?: boolean;
  check(value: ValueOf<F>, p: ProcessInfo, context: ConditionContext): Held | Failed<Code>;
}
