// `cgroup`: patterns searched in the control group path (scan/cgroup.ts reads it).
import { type SelectorMatcher, MISMATCH, UNKNOWN } from "./matcher.js";

export const cgroup: SelectorMatcher<"cgroup"> = {
  field: "cgroup",
  needs: ["wantCgroup"],
  match(patterns, p) {
    // Absent = not read, null = unreadable: no match, and protect fails closed on it.
    if (p.cgroup === undefined || p.cgroup === null) return UNKNOWN;
    const path = p.cgroup;
    const hit = patterns.find((pattern) => pattern.test(path));
    return hit ? `cgroup ${path} matches /${hit.source}/` : MISMATCH;
  },
  protectUnknown: (_patterns, p) =>
    p.cgroup === undefined || p.cgroup === null ? "cgroup unreadable" : null,
  describeMiss: (patterns, why, p) =>
    why === "unknown"
      ? "cgroup unreadable"
      : `cgroup ${p.cgroup} does not match ${patterns.map((x) => `/${x.source}/`).join(", ")}`,
};
