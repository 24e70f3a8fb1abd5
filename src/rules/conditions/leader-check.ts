// One check for both leader conditions: the standing leader.ts establishes, against the rule's.
import type { LeaderStanding } from "../../config/conditions/leader.js";
import type { ProcessInfo } from "../../scan/types.js";
import type { ConditionContext, Failed, Held } from "./check.js";
import { leadership, type Unit } from "./leader.js";

export function checkLeader<Code extends string>(
  unit: Unit,
  code: Code,
  wanted: readonly LeaderStanding[],
  p: ProcessInfo,
  context: ConditionContext,
): Held | Failed<Code> {
  const found = leadership(unit, p, context);
  // Unknown fails every standing, `alive` and `self` too: the rule asked for a fact not known.
  if (found.standing !== "unknown" && wanted.includes(found.standing))
    return { held: true, fact: found.fact };
  const want = `the rule wants ${wanted.join(" or ")}`;
  return { held: false, code, detail: `${found.fact} (${want})` };
}
