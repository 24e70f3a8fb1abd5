// `parent`: a pattern searched in the parent process's command line.
import { type SelectorMatcher, MISMATCH, UNKNOWN } from "./matcher.js";

export const parent: SelectorMatcher<"parent"> = {
  field: "parent",
  // The parents of the detailed processes are read in detail too.
  needs: ["wantParentDetail"],
  match(pattern, p, lookup) {
    const parent = lookup(p.ppid);
    if (!parent?.argv) return UNKNOWN;
    if (!pattern.test(parent.argv.join(" "))) return MISMATCH;
    return `parent ${parent.pid} matches /${pattern.source}/`;
  },
  // The parent gone (exited during the scan) or its command line unreadable.
  protectUnknown: (_pattern, p, lookup) => (lookup(p.ppid)?.argv ? null : "parent unknown"),
  describeMiss(pattern, why, p, lookup) {
    const parent = lookup(p.ppid);
    if (why === "unknown")
      return parent
        ? `parent ${p.ppid} ${parent.comm}: its command line was not read`
        : `parent ${p.ppid} not found`;
    return `parent ${p.ppid} ${parent?.comm ?? ""} does not match /${pattern.source}/`;
  },
};
