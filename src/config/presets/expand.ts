// A rule's `preset:` expanded: the preset's selectors and conditions ANDed with the rule's own.
// Every key of the rule and of each preset must hold, as every key of a match must:
//   cmdline, exe, parent   both patterns must match (a Pattern that tests each in turn)
//   orphaned               both values; different ones are a conflict
//   group_leader, session_leader, state
//                          the standings (states) both allow; none left is a conflict
//   older_than             the longer age (both must hold)
// A conflict would select nothing, silently: `check` rejects it (conflicts() below, through
// the cross-checks). The rule's own keys only narrow a preset, never widen it.
import type { Pattern } from "../pattern.js";
import type { RawMatch } from "../schema.js";
import { normaliseConditions, type Conditions } from "../conditions/registry.js";
import { normaliseSelector, type Selector } from "../selectors/registry.js";
import { list } from "../selectors/spec.js";
import { parseDuration } from "../units.js";
import { presetOf } from "./registry.js";
import type { PresetMatch, PresetSpec } from "./spec.js";

const PATTERN_KEYS = ["cmdline", "exe", "parent"] as const;
const LIST_KEYS = ["group_leader", "session_leader", "state"] as const;

/** The presets a match names (known ones only: the schema reports the rest). */
export function presetsOf(match: Record<string, unknown>): PresetSpec<string>[] {
  const names = match.preset === undefined ? [] : list(match.preset as unknown);
  return names.flatMap((n) => {
    const spec = typeof n === "string" ? presetOf(n) : undefined;
    return spec ? [spec] : [];
  });
}

/** Validated raw match → the rule's selector and conditions, its presets ANDed in. */
export function normaliseMatch(raw: RawMatch): { selector: Selector; conditions: Conditions } {
  const presets = presetsOf(raw);
  let selector = normaliseSelector(raw);
  let conditions: Record<string, unknown> = { ...raw };
  for (const preset of presets) {
    selector = andSelectors(selector, normaliseSelector(preset.match), preset.name);
    conditions = mergeConditions(conditions, preset.match);
  }
  return { selector, conditions: normaliseConditions(conditions) };
}

/** The keys a match has, its presets' included: what the cross-checks test a kill rule on. */
export function withPresetKeys(match: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const preset of presetsOf(match)) Object.assign(merged, preset.match);
  return { ...merged, ...match };
}

export interface PresetProblem {
  /** The match key the problem is at. */
  key: string;
  message: string;
}

/**
 * What `check` rejects about a rule's presets: a preset without an argv of its own and no
 * `cmdline` of the rule's, a kill rule with a preset that cannot kill safely, and a value of the
 * rule's that contradicts a preset's (the rule could match nothing).
 */
export function presetProblems(match: Record<string, unknown>, action: unknown): PresetProblem[] {
  const problems: PresetProblem[] = [];
  let merged: Record<string, unknown> = { ...match };
  for (const preset of presetsOf(match)) {
    if (preset.needsCmdline && typeof match.cmdline !== "string") {
      problems.push({
        key: "preset",
        message: `preset ${preset.name} recognises no argv of its own (a fork child carries its parent's), so the rule must name the program's; expected also cmdline: a pattern of that command line`,
      });
    }
    if (preset.notForKill && action === "kill") {
      problems.push({
        key: "preset",
        message: `preset ${preset.name} cannot tell a leftover from a live instance (${preset.notForKill}); expected action alert or report`,
      });
    }
    for (const key of conflicts(merged, preset.match)) {
      problems.push({
        key,
        message: `contradicts preset ${preset.name}, which needs ${key}: ${show(preset.match[key])} (both must hold, so no process could match); expected a value that agrees with it, or no ${key}`,
      });
    }
    merged = mergeConditions(merged, preset.match);
  }
  return problems;
}

/** Keys whose values in `match` and the preset cannot both hold (well-formed values only). */
function conflicts(match: Record<string, unknown>, preset: PresetMatch): (keyof PresetMatch)[] {
  const out: (keyof PresetMatch)[] = [];
  if (typeof match.orphaned === "boolean" && preset.orphaned !== undefined) {
    if (match.orphaned !== preset.orphaned) out.push("orphaned");
  }
  for (const key of LIST_KEYS) {
    const ours = match[key];
    const theirs = preset[key];
    if (theirs === undefined || !isStringOrList(ours)) continue;
    if (intersect(list(ours), list(theirs)).length === 0) out.push(key);
  }
  return out;
}

/** Raw conditions of both (the schema accepted the rule's); see the header for how each merges. */
function mergeConditions(
  match: Record<string, unknown>,
  preset: PresetMatch,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...match };
  if (preset.orphaned !== undefined) out.orphaned = match.orphaned ?? preset.orphaned;
  for (const key of LIST_KEYS) {
    const theirs = preset[key];
    if (theirs === undefined) continue;
    const ours = match[key];
    out[key] = isStringOrList(ours) ? intersect(list(ours), list(theirs)) : list(theirs);
  }
  if (preset.older_than !== undefined) {
    const ours = typeof match.older_than === "string" ? parseDuration(match.older_than) : null;
    const theirs = parseDuration(preset.older_than);
    if (!ours?.ok || (theirs.ok && theirs.value > ours.value)) out.older_than = preset.older_than;
  }
  return out;
}

function andSelectors(own: Selector, preset: Selector, name: string): Selector {
  const out: Record<string, unknown> = { ...own };
  for (const key of PATTERN_KEYS) {
    const theirs = preset[key];
    if (theirs === undefined) continue;
    const ours = own[key];
    out[key] = ours === undefined ? theirs : allOf(ours, theirs, name);
  }
  return out as Selector;
}

/**
 * Both patterns, the rule's first (usually the narrower, often plain text). Its source is what
 * the plan's fact prints between slashes: "cmdline matches /TOKEN/ and preset NAME's /…/".
 */
function allOf(own: Pattern, preset: Pattern, name: string): Pattern {
  return {
    source: `${own.source}/ and preset ${name}'s /${preset.source}`,
    test: (text) => own.test(text) && preset.test(text),
  };
}

function intersect(ours: unknown[], theirs: readonly unknown[]): unknown[] {
  return ours.filter((v) => theirs.includes(v));
}

function isStringOrList(value: unknown): value is string | string[] {
  return (
    typeof value === "string" ||
    (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string"))
  );
}

function show(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
}
