// Validated `files:` entries → FileRule: globs compiled, units in ms and bytes, defaults filled
// in. Only called on what the schema and the cross-checks accepted, so every parse succeeds.
import { list } from "../selectors/spec.js";
import type { FileConditions, FileRule, PathGlob, Settings } from "../types.js";
import { parseDuration, parseSize } from "../units.js";
import type { RawFileRule } from "./schema.js";
import { parsePathGlob } from "./path-glob.js";

/** Enabled rules only, in file order; `index` stays the one in the file. */
export function normaliseFileRules(raw: readonly RawFileRule[], settings: Settings): FileRule[] {
  return raw.flatMap((r, index) => (r.enabled === false ? [] : [fileRule(r, index, settings)]));
}

function fileRule(raw: RawFileRule, index: number, settings: Settings): FileRule {
  const action = raw.action ?? "report";
  const conditions: FileConditions = {};
  if (raw.older_than !== undefined) conditions.olderThanMs = unit(parseDuration(raw.older_than));
  if (raw.owner !== undefined) conditions.owner = list(raw.owner);
  if (raw.size_over !== undefined)
    conditions.sizeOver = { bytes: unit(parseSize(raw.size_over)), text: raw.size_over.trim() };
  if (raw.no_holder) conditions.noHolder = true;
  if (raw.creator_gone) conditions.creatorGone = true;
  const rule: FileRule = {
    name: raw.name,
    index,
    paths: raw.paths.map(glob),
    kind: raw.kind ?? "file",
    conditions,
    action,
    severity: raw.severity ?? (action === "report" ? "info" : "warning"),
    maxFiles: raw.max_files ?? settings.maxFilesPerRule,
    maxBytes: raw.max_bytes !== undefined ? unit(parseSize(raw.max_bytes)) : null,
  };
  if (raw.description !== undefined) rule.description = raw.description;
  return rule;
}

function glob(text: string): PathGlob {
  const parsed = parsePathGlob(text);
  if (!parsed.ok) throw new Error(`unreachable: schema accepted path ${text}`);
  return parsed.glob;
}

function unit(parsed: { ok: true; value: number } | { ok: false; problem: string }): number {
  if (!parsed.ok) throw new Error(`unreachable: schema accepted a value: ${parsed.problem}`);
  return parsed.value;
}
