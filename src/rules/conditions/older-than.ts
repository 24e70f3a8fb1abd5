// `older_than`: the process has run at least this long.
import { formatDuration } from "../../config/units.js";
import type { ConditionCheck } from "./check.js";

export const olderThan: ConditionCheck<"olderThanMs", "too-young"> = {
  field: "olderThanMs",
  codes: ["too-young"],
  statOnly: true,
  check(limitMs, p) {
    const age = `age ${formatDuration(p.ageMs)}`;
    const limit = formatDuration(limitMs);
    if (p.ageMs >= limitMs) return { held: true, fact: `${age} ≥ ${limit}` };
    return { held: false, code: "too-young", detail: `too young (${age} < ${limit})` };
  },
};
