// The words `cleanup explain` gives a selector field that did not match. The matcher decides
// (evaluateSelector: which field, and whether its fact was missing or did not match); the
// field's own module (src/rules/selectors/) says it, with the process's own value beside the
// rule's.
import type { Selector } from "../config/types.js";
import type { Lookup, SelectorMiss } from "./match.js";
import type { ProcessInfo } from "../scan/types.js";
import { FIELD_KEYS, matcherOf } from "./selectors/registry.js";

/** A field as the rules file spells it. */
export { FIELD_KEYS };

export function describeMiss(
  miss: SelectorMiss,
  selector: Selector,
  p: ProcessInfo,
  lookup: Lookup,
): string {
  const value = selector[miss.field];
  // A miss is only ever of a field the selector gives.
  if (value === undefined) return `${FIELD_KEYS[miss.field]} not given`;
  return matcherOf(miss.field).describeMiss(value, miss.why, p, lookup);
}
