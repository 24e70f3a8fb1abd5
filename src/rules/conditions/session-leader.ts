// `session_leader`: who leads the session (leader.ts establishes it from the table).
import type { ConditionCheck } from "./check.js";
import { checkLeader } from "./leader-check.js";

export const sessionLeader: ConditionCheck<"sessionLeader", "session-leader"> = {
  field: "sessionLeader",
  codes: ["session-leader"],
  // sid is in stat, and the leader is looked up in the table stat built.
  statOnly: true,
  // The leader is any process of the table, and "gone" needs the table complete.
  wholeTable: true,
  check(wanted, p, context) {
    return checkLeader("session", "session-leader", wanted, p, context);
  },
};
