// `parent`: an RE2 pattern searched in the parent process's command line.
import { compilePattern } from "../pattern.js";
import { regex } from "../schema-values.js";
import { defineSelector, patternSelectsEverything } from "./spec.js";

export const parent = defineSelector({
  key: "parent",
  field: "parent",
  schema: regex
    .optional()
    .describe("RE2 regex searched in the parent process's command line (its first 64 KiB)."),
  normalise: compilePattern,
  says: "whose",
  selectsEverything: patternSelectsEverything,
});
