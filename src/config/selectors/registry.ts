// The selectors (what a process is), config side: one module per selector in this folder, in
// the order the rules file documents them (the schema's order, and the order messages list
// them in). Each declares its zod fragment, its normalised form and what the cross-field checks
// need; the schema, normalise and cross-checks read them from here and name no selector.
//
// Why two halves (this folder and src/rules/selectors/): a selector's match reads the scan's
// ProcessInfo (scan/, tier 13) and its schema is part of the rules file's schema (config/,
// tier 15). config/ may not import scan/ or rules/, so no single module can hold both without
// moving ProcessInfo and the pattern compiler below config/. The rules side is keyed by
// `field` and typed as a complete record of this registry's fields: a selector added here
// without its rules half does not compile.
import type { z } from "zod";
import { cgroup } from "./cgroup.js";
import { cmdline } from "./cmdline.js";
import { comm } from "./comm.js";
import { exe } from "./exe.js";
import { holds } from "./holds.js";
import { listeningPort } from "./listening-port.js";
import { parent } from "./parent.js";
import type { SelectorSpec } from "./spec.js";
import { unit } from "./unit.js";
import { user } from "./user.js";

export const SELECTOR_SPECS = [
  cmdline,
  comm,
  exe,
  user,
  parent,
  listeningPort,
  cgroup,
  unit,
  holds,
] as const;

type Spec = (typeof SELECTOR_SPECS)[number];
export type SelectorKey = Spec["key"];

/** What a process is (normalised). Every given field must match. */
export type Selector = {
  [S in Spec as S["field"]]?: ReturnType<S["normalise"]>;
};
export type SelectorField = keyof Selector;

/** The rules file's selector keys, in the schema's order. */
export const SELECTOR_KEYS: SelectorKey[] = SELECTOR_SPECS.map((s) => s.key);

/** The keys of the selectors that say which program a process is (with `says`, see spec.ts). */
export function keysThatSay(...says: Spec["says"][]): SelectorKey[] {
  return SELECTOR_SPECS.filter((s) => says.includes(s.says)).map((s) => s.key);
}

/** The zod shape of the selectors, for `match` (rules, services) and protect entries. */
export const selectorShape = Object.fromEntries(SELECTOR_SPECS.map((s) => [s.key, s.schema])) as {
  [S in Spec as S["key"]]: S["schema"];
};

/** Validated raw selectors (the schema accepted them) → the normalised Selector. */
export function normaliseSelector(raw: { [K in SelectorKey]?: unknown }): Selector {
  const selector: Record<string, unknown> = {};
  for (const spec of SELECTOR_SPECS as readonly AnySpec[]) {
    const value = raw[spec.key as SelectorKey];
    if (value !== undefined) selector[spec.field] = spec.normalise(value);
  }
  return selector as Selector;
}

/** A spec with its types erased: the loops above see each one through its own functions only. */
type AnySpec = SelectorSpec<string, string, z.ZodOptional, unknown> & {
  normalise(raw: unknown): unknown;
};
