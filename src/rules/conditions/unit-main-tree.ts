// `unit_main_tree`: whether the process is its service's MainPID or a descendant of it.
import type { ConditionCheck } from "./check.js";
import { unitFacts } from "../unit-facts.js";

/** Far more than any real process tree's depth; a loop in a fixture ends here. */
const MAX_HOPS = 4096;

export const unitMainTree: ConditionCheck<
  "unitMainTree",
  "in-main-tree" | "not-in-main-tree" | "unit-unknown"
> = {
  field: "unitMainTree",
  codes: ["in-main-tree", "not-in-main-tree", "unit-unknown"],
  statOnly: false,
  needsUnits: true,
  check(wanted, p, context) {
    const facts = unitFacts(p, context.units);
    if (!facts.known) return { held: false, code: "unit-unknown", detail: facts.why };
    const { unit, state } = facts;
    // A scope has no main process: "outside its main tree" would hold for every process in it.
    if (unit.endsWith(".scope"))
      return {
        held: false,
        code: "unit-unknown",
        detail: `unit ${unit} is a scope: it has no main process`,
      };
    const main = state.mainPid;
    let inTree = false;
    if (main > 0) {
      let pid = p.pid;
      for (let hops = 0; pid > 1 && hops < MAX_HOPS; hops++) {
        if (pid === main) {
          inTree = true;
          break;
        }
        const up = context.lookup(pid);
        if (!up) break;
        pid = up.ppid;
      }
    }
    const words = inTree
      ? p.pid === main
        ? `the main process (MainPID ${main}) of unit ${unit}`
        : `in the main process tree of unit ${unit} (MainPID ${main})`
      : main > 0
        ? `not in the main process tree of unit ${unit} (MainPID ${main})`
        : `not in the main process tree of unit ${unit}: it has no main process (${state.activeState}, ${state.subState})`;
    if (inTree === wanted) return { held: true, fact: words };
    return { held: false, code: inTree ? "in-main-tree" : "not-in-main-tree", detail: words };
  },
};
