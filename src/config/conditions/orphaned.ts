// `orphaned`: the parent is PID 1 or a subreaper (settings.reapers), or it is not.
import { boolean } from "../schema-values.js";
import { defineCondition } from "./spec.js";

export const orphaned = defineCondition({
  key: "orphaned",
  field: "orphaned",
  schema: boolean("whether the parent is PID 1 or a subreaper")
    .optional()
    .describe(
      "true: the parent is PID 1 or a subreaper listed in settings.reapers; false: it is not.",
    ),
  normalise: (raw: boolean) => raw,
});
