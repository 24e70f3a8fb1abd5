// `unit`: the systemd unit a process's cgroup belongs to, or one enclosing it (scan/cgroup.ts
// says which: the deepest .service or .scope of the path, and its manager's unit).
import { globMatcher } from "../../shared/glob.js";
import { unitOfCgroup } from "../../scan/cgroup.js";
import { type SelectorMatcher, MISMATCH, UNKNOWN } from "./matcher.js";

// The globs of one selector compiled once, not once per process.
const compiled = new WeakMap<readonly string[], ((name: string) => boolean)[]>();
function matchers(globs: readonly string[]): ((name: string) => boolean)[] {
  let list = compiled.get(globs);
  if (list === undefined) {
    list = globs.map(globMatcher);
    compiled.set(globs, list);
  }
  return list;
}

export const unit: SelectorMatcher<"unit"> = {
  field: "unit",
  needs: ["wantCgroup"],
  match(globs, p) {
    if (p.cgroup === undefined || p.cgroup === null) return UNKNOWN;
    const found = unitOfCgroup(p.cgroup);
    // In no unit (the root cgroup, a slice): known, and not in any unit named.
    if (found === null) return MISMATCH;
    const tests = matchers(globs);
    // The unit itself first, then the enclosing ones (the user manager).
    for (const name of [...found.chain].reverse()) {
      if (tests.some((test) => test(name)))
        return name === found.unit
          ? `in unit ${found.unit}${found.manager ? ` of ${found.manager}` : ""}`
          : `in unit ${found.unit} of ${name}`;
    }
    return MISMATCH;
  },
  protectUnknown: (_globs, p) =>
    p.cgroup === undefined || p.cgroup === null ? "cgroup unreadable (unit unknown)" : null,
  describeMiss(globs, why, p) {
    if (why === "unknown") return "cgroup unreadable (unit unknown)";
    const found = p.cgroup ? unitOfCgroup(p.cgroup) : null;
    return found === null
      ? `in no unit (cgroup ${p.cgroup}), not ${globs.join(", ")}`
      : `in unit ${found.chain.join(" / ")}, not ${globs.join(", ")}`;
  },
};
