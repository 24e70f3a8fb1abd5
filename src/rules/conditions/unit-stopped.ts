// `unit_stopped`: the process's unit is no longer active (host/unit-states.ts: stoppedness).
import type { ConditionCheck } from "./check.js";
import { unitFacts, unitWords } from "../unit-facts.js";

export const unitStopped: ConditionCheck<
  "unitStopped",
  "unit-active" | "unit-stopped" | "unit-unknown"
> = {
  field: "unitStopped",
  codes: ["unit-active", "unit-stopped", "unit-unknown"],
  statOnly: false,
  needsUnits: true,
  check(wanted, p, context) {
    const facts = unitFacts(p, context.units);
    const words = unitWords(facts);
    // Unknown fails both ways: the rule asked for a fact systemd did not give.
    if (!facts.known) return { held: false, code: "unit-unknown", detail: words };
    if (facts.stop.stopped === wanted) return { held: true, fact: words };
    return {
      held: false,
      code: facts.stop.stopped ? "unit-stopped" : "unit-active",
      detail: words,
    };
  },
};
