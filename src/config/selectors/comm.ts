// `comm`: the kernel's process name(s), /proc/PID/comm, compared whole.
import { z } from "zod";
import { defineSelector, list } from "./spec.js";

/** The kernel cuts comm to this many characters. */
export const COMM_MAX_CHARS = 15;

const NAMES_EXPECTED = "a name or a list of names";
const names = z.union([z.string(), z.array(z.string()).min(1)], {
  error: `wrong type; expected ${NAMES_EXPECTED}`,
});

export const comm = defineSelector({
  key: "comm",
  field: "comm",
  schema: names
    .optional()
    .describe("Process name(s) as in /proc/PID/comm (the kernel cuts it to 15 characters)."),
  normalise: (raw: string | string[]) => list(raw),
  says: "what",
  // A longer name can never match: the operator meant something else.
  ruleProblems: (raw) =>
    (Array.isArray(raw) ? raw : [raw]).flatMap((name: unknown) =>
      typeof name === "string" && name.length > COMM_MAX_CHARS
        ? [
            `'${name}' is longer than 15 characters and can never match (the kernel cuts comm); expected '${name.slice(0, COMM_MAX_CHARS)}', or a cmdline or exe pattern`,
          ]
        : [],
    ),
});
