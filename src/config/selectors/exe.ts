// `exe`: an RE2 pattern searched in the executable's path (readlink /proc/PID/exe).
import { compilePattern } from "../pattern.js";
import { regex } from "../schema-values.js";
import { defineSelector, patternSelectsEverything } from "./spec.js";

export const exe = defineSelector({
  key: "exe",
  field: "exe",
  schema: regex.optional().describe("RE2 regex searched in the executable's path (/proc/PID/exe)."),
  normalise: compilePattern,
  says: "what",
  selectsEverything: patternSelectsEverything,
});
