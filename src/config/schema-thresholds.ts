// The schema of thresholds: the warn and critical levels of memory, swap, CPU, load and disk,
// each of which `false` turns off.
import { z } from "zod";
import { percent, typeError } from "./schema-values.js";

const percentLevels = (what: string) =>
  z.strictObject(
    { warn: percent, critical: percent },
    { error: typeError(`warn and critical percentages of ${what}`) },
  );

/** `false` turns a threshold off. */
const orOff = <T extends z.ZodType>(levels: T, what: string) =>
  z.union([z.literal(false), levels], {
    error: `wrong type; expected ${what}, or false to turn it off`,
  });

export const thresholds = z.strictObject(
  {
    memory: orOff(
      percentLevels("memory in use (total minus MemAvailable)"),
      "{ warn: 75%, critical: 85% }",
    )
      .optional()
      .describe("Default warn 75%, critical 85%; false: off."),
    swap: orOff(percentLevels("swap in use"), "{ warn: 50%, critical: 80% }")
      .optional()
      .describe("Off unless set."),
    cpu: orOff(percentLevels("CPU busy time"), "{ warn: 80%, critical: 90% }")
      .optional()
      .describe("Default warn 80%, critical 90%; false: off."),
    load: orOff(
      z.strictObject(
        {
          warn: z.number({ error: typeError("a load per core, e.g. 1.5") }).positive(),
          critical: z.number({ error: typeError("a load per core, e.g. 3") }).positive(),
        },
        { error: typeError("warn and critical loads per core") },
      ),
      "{ warn: 1.5, critical: 3 }",
    )
      .optional()
      .describe("1-minute load average per core. Off unless set."),
    disk: orOff(
      z.strictObject(
        {
          warn: percent,
          critical: percent,
          mounts: z
            .array(z.string(), { error: typeError("a list of mount points") })
            .min(1, { error: "empty; expected at least one mount point" })
            .optional(),
        },
        { error: typeError("warn and critical percentages, and mounts") },
      ),
      "{ warn: 80%, critical: 90%, mounts: [/] }",
    )
      .optional()
      .describe(
        "Space and inodes used, per mount. Default warn 80%, critical 90% on /; false: off.",
      ),
  },
  { error: typeError("a mapping of memory, swap, cpu, load and disk thresholds") },
);
