// Shared by the per-selector tests: a selector goes through both of its halves, as a run uses
// it: the rules file's text through the schema and normalise (config/selectors/), then the
// matcher, protect and explain's words (rules/selectors/).
import { ConfigError, formatProblem } from "../../../../src/config/errors.js";
import { parseConfig } from "../../../../src/config/load.js";
import type { Selector } from "../../../../src/config/types.js";
import { describeMiss } from "../../../../src/rules/explain-words.js";
import { evaluateSelector, type Lookup } from "../../../../src/rules/match.js";
import { buildProtection, judgeEntry } from "../../../../src/rules/protect.js";
import type { ProcessInfo } from "../../../../src/scan/types.js";

/** The normalised selector of `protect: [{ <yaml> }]`, e.g. selector("comm: [bash]"). */
export function selector(yaml: string): Selector {
  const config = parseConfig(`protect:\n  - ${yaml}\nrules: []\n`, "rules.yaml");
  const first = config.protect[0];
  if (!first) throw new Error("no protect entry");
  return first;
}

/** Every problem parseConfig reports for the file, formatted as `cleanup check` prints them. */
export function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, "rules.yaml");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

export function lookupIn(processes: readonly ProcessInfo[]): Lookup {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  return (pid) => byPid.get(pid);
}

export interface Judged {
  /** The facts when it matched, else null. */
  facts: string[] | null;
  /** With a miss: "mismatch" or "unknown". */
  why: string | null;
  /** With a miss: explain's words. */
  words: string | null;
  /** Why protect (an entry of just this selector) holds the process, or null. */
  protect: string | null;
  /** The entry's own verdict: matches, cannot-check or no-match. */
  entry: string;
}

/** `p` (among `others`, for its parent) judged by the selector as a rule and as a protect entry. */
export function judge(sel: Selector, p: ProcessInfo, others: ProcessInfo[] = []): Judged {
  const lookup = lookupIn([p, ...others]);
  const result = evaluateSelector(sel, p, lookup);
  const protect = buildProtection(999_999, [sel], lookup).reason(p);
  const entry = judgeEntry(sel, p, lookup).kind;
  if (Array.isArray(result)) return { facts: result, why: null, words: null, protect, entry };
  return {
    facts: null,
    why: result.why,
    words: describeMiss(result, sel, p, lookup),
    protect,
    entry,
  };
}
