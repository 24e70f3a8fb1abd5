// `session_leader`: whether the process leads its session, or its session's leader lives.
// A service started by systemd or setsid leads its own; a double-forked daemon's leader is gone.
import { defineCondition } from "./spec.js";
import { leaderSchema, normaliseStandings } from "./leader.js";

export const sessionLeader = defineCondition({
  key: "session_leader",
  field: "sessionLeader",
  schema: leaderSchema("session"),
  normalise: normaliseStandings,
});
