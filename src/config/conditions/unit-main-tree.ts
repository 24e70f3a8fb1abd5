// `unit_main_tree`: whether the process is its systemd service's main process (MainPID) or a
// descendant of it. false: it sits in the unit's cgroup outside that tree — the main process
// died or exec'd away and left it, or it was double-forked out of it.
import { boolean } from "../schema-values.js";
import { defineCondition } from "./spec.js";

export const unitMainTree = defineCondition({
  key: "unit_main_tree",
  field: "unitMainTree",
  schema: boolean("whether the process is in its systemd service's main process tree")
    .optional()
    .describe(
      "true: the process is its service's MainPID or a descendant of it; false: it is in the service's cgroup but not in that tree (the unit has no main process, or it is elsewhere). Unknown (no systemd, a scope, no unit) holds for neither.",
    ),
  normalise: (raw: boolean) => raw,
});
