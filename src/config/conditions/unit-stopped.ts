// `unit_stopped`: the process sits in the cgroup of a systemd unit that is no longer active
// (inactive, failed, deactivating past its stop timeout) or in an abandoned scope (its session
// ended) — a leftover of KillMode=process or mixed, of a main process that died, of a logout.
import { boolean } from "../schema-values.js";
import { defineCondition } from "./spec.js";

export const unitStopped = defineCondition({
  key: "unit_stopped",
  field: "unitStopped",
  schema: boolean("whether the process's systemd unit is no longer active")
    .optional()
    .describe(
      "true: the process is in the cgroup of a systemd unit that is inactive, failed, deactivating past its stop timeout, or an abandoned scope; false: its unit is active. Unknown (no systemd, a user manager's unit, no unit) holds for neither.",
    ),
  normalise: (raw: boolean) => raw,
});
