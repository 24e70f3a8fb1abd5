// `cmdline`: an RE2 pattern searched in the command line (argv joined by single spaces).
import { compilePattern } from "../pattern.js";
import { regex } from "../schema-values.js";
import { defineSelector, patternSelectsEverything } from "./spec.js";

export const cmdline = defineSelector({
  key: "cmdline",
  field: "cmdline",
  schema: regex
    .optional()
    .describe(
      "RE2 regex searched in the command line (argv joined by single spaces), its first 64 KiB.",
    ),
  normalise: compilePattern,
  says: "what",
  selectsEverything: patternSelectsEverything,
});
