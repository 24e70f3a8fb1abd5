// `cmdline`: a pattern searched in the command line (argv joined by single spaces).
import type { Pattern } from "../../config/pattern.js";
import { type SelectorMatcher, MISMATCH, UNKNOWN } from "./matcher.js";

export const cmdline: SelectorMatcher<"cmdline"> = {
  field: "cmdline",
  // argv is what "read in detail" means: the scan always reads it for a detailed process.
  needs: [],
  match(pattern, p) {
    if (!p.argv) return UNKNOWN;
    if (!pattern.test(p.argv.join(" "))) return MISMATCH;
    return regexFact(pattern);
  },
  describeMiss: (pattern, why) =>
    why === "unknown" ? "command line not read" : `cmdline does not match /${pattern.source}/`,
};

// One string per rule, not one per matched process (10,000 copies at the benchmark's scale).
const regexFacts = new WeakMap<Pattern, string>();
function regexFact(regex: Pattern): string {
  let fact = regexFacts.get(regex);
  if (fact === undefined) {
    fact = `cmdline matches /${regex.source}/`;
    regexFacts.set(regex, fact);
  }
  return fact;
}
