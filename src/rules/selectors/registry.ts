// The selectors (what a process is), rules side: one module per selector in this folder. The
// matcher (rules/match.ts), protect's fail-closed check, the scan's detail filter and needs
// (rules/detail-filter.ts) and explain's words read them from here and name no selector.
//
// Each selector is two modules, this one and its config half (src/config/selectors/<name>.ts:
// the zod fragment and the normalised form). One module per selector would have to be
// importable by config/ (tier 15: the schema and normalise) and to read the scan's ProcessInfo
// (scan/, tier 13) to match; config/ may not import scan/ or rules/, and the matchers need
// config's Pattern and Selector types, so no single tier holds both without moving
// ProcessInfo and the pattern compiler below config/. The two halves are tied by `field`: BY_FIELD
// below must have a matcher for every field of the config registry's Selector, so a selector
// added there without its rules half does not compile.
import type { Selector, SelectorField } from "../../config/types.js";
import { SELECTOR_SPECS } from "../../config/selectors/registry.js";
import type { ProcessInfo } from "../../scan/types.js";
import { cgroup } from "./cgroup.js";
import { cmdline } from "./cmdline.js";
import { comm } from "./comm.js";
import { exe } from "./exe.js";
import { holds } from "./holds.js";
import { listeningPort } from "./listening-port.js";
import type { Lookup, ScanNeed, SelectorMatcher } from "./matcher.js";

export { SELECTOR_SPARE_CODES, type SelectorSpareCode } from "./matcher.js";
import { parent } from "./parent.js";
import { unit } from "./unit.js";
import { user } from "./user.js";

/**
 * Every selector's matcher, in the order the matcher checks them: the cheapest facts first
 * (comm and uid come with the table, argv with detail; exe, the parent and the sockets cost
 * reads of their own). The first that does not match is the one explain names.
 */
const BY_FIELD: { readonly [F in SelectorField]: SelectorMatcher<F> } = {
  comm,
  user,
  cmdline,
  exe,
  parent,
  listeningPort,
  cgroup,
  unit,
  holds,
};

export const MATCHERS: readonly SelectorMatcher<SelectorField>[] = Object.values(BY_FIELD);

/** The fields in the matcher's order. */
export const FIELDS: readonly SelectorField[] = MATCHERS.map((m) => m.field);

/**
 * The order protect names a fact it could not establish in, when several are missing: as it
 * named them before the registry, so its words do not change. Every other matcher with a
 * protectUnknown follows in the matcher's order: a selector added without a place here still
 * fails closed.
 */
const NAMED_FIRST: readonly SelectorField[] = ["exe", "parent", "listeningPort", "user"];
const UNKNOWN_ORDER: readonly SelectorMatcher<SelectorField>[] = [
  ...NAMED_FIRST.map((field) => BY_FIELD[field]),
  ...MATCHERS.filter((m) => !NAMED_FIRST.includes(m.field)),
].filter((m) => m.protectUnknown !== undefined);
export const PROTECT_UNKNOWN_FIELDS: readonly SelectorField[] = UNKNOWN_ORDER.map((m) => m.field);

export function matcherOf(field: SelectorField): SelectorMatcher<SelectorField> {
  return BY_FIELD[field];
}

/** A field as the rules file spells it (listeningPort → listening_port). */
export const FIELD_KEYS = Object.fromEntries(SELECTOR_SPECS.map((s) => [s.field, s.key])) as {
  readonly [F in SelectorField]: string;
};

/** The scan switches the given selectors need. */
export function scanNeedsOf(selectors: readonly Selector[]): Set<ScanNeed> {
  const needs = new Set<ScanNeed>();
  for (const selector of selectors) {
    for (const m of MATCHERS) {
      if (selector[m.field] !== undefined) for (const need of m.needs) needs.add(need);
    }
  }
  return needs;
}

/** False when a stat-only test of the selector already rules the process out. */
export function passesBeforeDetail(selector: Selector, p: ProcessInfo): boolean {
  for (const m of MATCHERS) {
    const value = selector[m.field];
    if (value !== undefined && m.beforeDetail && !m.beforeDetail(value, p)) return false;
  }
  return true;
}

/** Fail closed: the first fact a protect entry names that this process's scan could not establish. */
export function protectUnknown(selector: Selector, p: ProcessInfo, lookup: Lookup): string | null {
  for (const m of UNKNOWN_ORDER) {
    const value = selector[m.field];
    const unknown = value !== undefined ? m.protectUnknown?.(value, p, lookup) : undefined;
    if (unknown) return unknown;
  }
  return null;
}
