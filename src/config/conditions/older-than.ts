// `older_than`: the process has run at least this long.
import { duration } from "../schema-values.js";
import { parseDuration } from "../units.js";
import { defineCondition } from "./spec.js";

export const olderThan = defineCondition({
  key: "older_than",
  field: "olderThanMs",
  schema: duration.optional().describe("Minimum age, e.g. 1d."),
  normalise: (raw: string) => {
    const parsed = parseDuration(raw);
    if (!parsed.ok) throw new Error(`unreachable: schema accepted duration ${raw}`);
    return parsed.value;
  },
});
