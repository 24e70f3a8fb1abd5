// `orphaned`: the parent is PID 1 or a subreaper; rules/orphans.ts judges which parents adopt.
import type { ConditionCheck } from "./check.js";

export const orphaned: ConditionCheck<"orphaned", "parent-alive" | "is-orphan"> = {
  field: "orphaned",
  codes: ["parent-alive", "is-orphan"],
  statOnly: true,
  check(wanted, p, { adopters }) {
    const orphan = adopters.adopts(p.ppid);
    // One string per parent, not one per child (see orphans.ts).
    const fact = adopters.describe(p.ppid);
    if (orphan === wanted) return { held: true, fact };
    return { held: false, code: orphan ? "is-orphan" : "parent-alive", detail: fact };
  },
};
