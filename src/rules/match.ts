// Evaluates a rule's selector (what a process is) and conditions (when to act on it).
// Each returns the facts that decided, in words an operator reads in the plan.
import type { Selector, SelectorField } from "../config/types.js";
import type { ProcessInfo } from "../scan/types.js";
import { CONDITION_CODES, type ConditionCode } from "./conditions/registry.js";
import type { Lookup, SelectorMatcher, Why } from "./selectors/matcher.js";
import {
  FIELDS,
  MATCHERS,
  SELECTOR_SPARE_CODES,
  type SelectorSpareCode,
} from "./selectors/registry.js";

/** Why a selected process was spared: a condition's code (src/rules/conditions/) or the plan's. */
export const SPARE_CODES = [
  ...CONDITION_CODES,
  ...SELECTOR_SPARE_CODES,
  "protected",
  "over-budget",
  "not-permitted",
] as const satisfies readonly string[];
export type SpareCode =
  ConditionCode | SelectorSpareCode | "protected" | "over-budget" | "not-permitted";

export { checkConditions, type ConditionResult } from "./conditions/registry.js";
export type { ConditionContext } from "./conditions/check.js";

export type { Lookup } from "./selectors/matcher.js";
export type { SelectorField } from "../config/types.js";

/**
 * The first selector field that did not match, and whether the fact it needs was missing (not
 * read, unreadable, the parent not found) or was there and did not match. One constant object
 * per case: the plan's hot path allocates nothing for a miss.
 */
export interface SelectorMiss {
  readonly field: SelectorField;
  readonly why: Why;
}

const MISS = Object.fromEntries(
  FIELDS.map((field) => [
    field,
    {
      mismatch: Object.freeze({ field, why: "mismatch" }),
      unknown: Object.freeze({ field, why: "unknown" }),
    },
  ]),
) as Record<SelectorField, Record<Why, SelectorMiss>>;

/** Facts if every given selector field matches; null otherwise. Needs detail (argv, uid). */
export function matchSelector(selector: Selector, p: ProcessInfo, lookup: Lookup): string[] | null {
  const result = evaluateSelector(selector, p, lookup);
  return Array.isArray(result) ? result : null;
}

/**
 * The one evaluation of a selector: the facts if every given field matches, else the first field
 * that did not (the plan needs only yes or no; `cleanup explain` says which field failed). Each
 * field is matched by its own module (src/rules/selectors/), in the registry's order.
 */
export function evaluateSelector(
  selector: Selector,
  p: ProcessInfo,
  lookup: Lookup,
): string[] | SelectorMiss {
  const facts: string[] = [];
  for (const [m, value] of givenFields(selector)) {
    const result = m.match(value, p, lookup);
    if (typeof result !== "string") return MISS[m.field][result.miss];
    facts.push(result);
  }
  return facts;
}

type Given = readonly (readonly [
  SelectorMatcher<SelectorField>,
  NonNullable<Selector[SelectorField]>,
])[];

// The plan evaluates each rule's selector on every detailed process: the given fields (and
// their matchers) are listed once per selector, not looked up six times per process. A
// selector is never changed after normalisation.
const given = new WeakMap<Selector, Given>();
function givenFields(selector: Selector): Given {
  let fields = given.get(selector);
  if (fields === undefined) {
    fields = MATCHERS.flatMap((m) => {
      const value = selector[m.field];
      return value === undefined ? [] : [[m, value] as const];
    });
    given.set(selector, fields);
  }
  return fields;
}
