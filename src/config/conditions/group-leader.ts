// `group_leader`: whether the process leads its process group, or its group's leader lives.
// A fork-method pool child whose parent was killed: not its group's leader, leader gone.
import { defineCondition } from "./spec.js";
import { leaderSchema, normaliseStandings } from "./leader.js";

export const groupLeader = defineCondition({
  key: "group_leader",
  field: "groupLeader",
  schema: leaderSchema("process group"),
  normalise: normaliseStandings,
});
