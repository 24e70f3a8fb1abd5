// `group_leader`: who leads the process group (leader.ts establishes it from the table).
import type { ConditionCheck } from "./check.js";
import { checkLeader } from "./leader-check.js";

export const groupLeader: ConditionCheck<"groupLeader", "group-leader"> = {
  field: "groupLeader",
  codes: ["group-leader"],
  // pgid is in stat, and the leader is looked up in the table stat built.
  statOnly: true,
  // The leader is any process of the table, and "gone" needs the table complete.
  wholeTable: true,
  check(wanted, p, context) {
    return checkLeader("group", "group-leader", wanted, p, context);
  },
};
