// `state`: the process state letter, as ps shows it.
import type { ConditionCheck } from "./check.js";

export const state: ConditionCheck<"state", "state"> = {
  field: "state",
  codes: ["state"],
  statOnly: true,
  check(states, p) {
    if (states.includes(p.state)) return { held: true, fact: `state ${p.state}` };
    return { held: false, code: "state", detail: `state ${p.state} not in ${states.join(",")}` };
  },
};
