// `holds`: an RE2 pattern, or a list of them, searched in the targets of the process's open
// fds (/proc/PID/fd/* as readlink shows them: "/dev/nvidia0", "/dev/shm/psm_1a2b",
// "/tmp/x (deleted)", "socket:[123]"). It matches when any target matches any pattern.
import { z } from "zod";
import { compilePattern } from "../pattern.js";
import { regex } from "../schema-values.js";
import { defineSelector, list, patternSelectsEverything } from "./spec.js";

const FILES_EXPECTED = "an RE2 regular expression or a list of them, e.g. '^/dev/nvidia'";
const files = z.union(
  [regex, z.array(regex).min(1, { error: `empty; expected ${FILES_EXPECTED}` })],
  { error: `wrong type; expected ${FILES_EXPECTED}` },
);

export const holds = defineSelector({
  key: "holds",
  field: "holds",
  schema: files
    .optional()
    .describe(
      "RE2 regex (or a list of them) searched in the targets of the process's open fds (/proc/PID/fd, e.g. '^/dev/nvidia'): matches when it holds any such file open. Read only for processes that pass the rule's other tests.",
    ),
  normalise: (raw: string | string[]) => list(raw).map(compilePattern),
  // An open file says what a process holds, not which program it is (a GPU is held by the
  // trainer as well as by its leftover workers).
  says: "holds",
  saysInstead: "an open file says what a process holds",
  selectsEverything: (raw) => list(raw).some(patternSelectsEverything),
});
