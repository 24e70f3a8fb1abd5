// The schema of what a process is and what a rule does with it: selectors (one module each, in
// src/config/selectors/), conditions, protect entries and rules.
import { z } from "zod";
import { CONDITION_KEYS, conditionShape } from "./conditions/registry.js";
import { presetSchema } from "./presets/registry.js";
import { SELECTOR_KEYS, selectorShape } from "./selectors/registry.js";
import { boolean, duration, positiveInt, runs, typeError } from "./schema-values.js";

export { SELECTOR_KEYS } from "./selectors/registry.js";
export { PORT_RANGE_PATTERN } from "./selectors/listening-port.js";
export { PROCESS_STATES } from "./conditions/state.js";

export const SIGNALS = [
  "SIGTERM",
  "SIGINT",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGKILL",
] as const;

// Conditions (when a selected process is acted on; one module each, in src/config/conditions/):
// a selected process that fails one is "spared", with the reason. A preset (src/config/presets/)
// is a maintained set of both, ANDed with the rule's own.
const match = z.strictObject(
  { preset: presetSchema, ...selectorShape, ...conditionShape },
  {
    error: typeError(
      `a mapping of matchers (${["preset", ...SELECTOR_KEYS, ...CONDITION_KEYS].join(", ")})`,
    ),
  },
);

export const protectEntry = z.strictObject(selectorShape, {
  error: typeError(`a mapping of selectors (${SELECTOR_KEYS.join(", ")})`),
});

/** Resources with thresholds; a rule's `when` names them. */
export const RESOURCES = ["memory", "swap", "cpu", "load", "disk"] as const;
export type Resource = (typeof RESOURCES)[number];
const level = z.enum(["warn", "critical"], {
  error: "unknown level; expected warn or critical",
});

export const rule = z.strictObject(
  {
    name: z.string({ error: typeError("a rule name") }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
      error: "invalid name; expected letters, digits, '-', '_' or '.'",
    }),
    description: z.string({ error: typeError("a text") }).optional(),
    enabled: boolean("whether the rule is used").optional(),
    match,
    action: z.enum(["kill", "alert", "report"], {
      error: (issue) =>
        `${issue.input === undefined ? "missing" : "unknown action"}; expected kill, alert or report`,
    }),
    signal: z
      .enum(SIGNALS, { error: `unknown signal; expected one of ${SIGNALS.join(", ")}` })
      .optional()
      .describe(
        "First signal sent (kill only). Default SIGTERM; survivors get SIGKILL after the grace.",
      ),
    grace: duration.optional().describe("Wait before SIGKILL (kill only). Default settings.grace."),
    tree: boolean("kill the process's descendants too")
      .optional()
      .describe("Kill the whole tree (kill only). Default true."),
    max_kills: positiveInt("the most processes this rule may kill in one run")
      .optional()
      .describe("Kill budget (kill only): over it, the rule kills nothing this run and alerts."),
    for: runs("Alert only after the condition stood this many runs in a row. Default alerts.for."),
    remind: duration
      .optional()
      .describe("Repeat the alert this often while it lasts. Default alerts.remind."),
    when: z
      .strictObject(
        Object.fromEntries(RESOURCES.map((r) => [r, level.optional()])) as Record<
          Resource,
          z.ZodOptional<typeof level>
        >,
        {
          error: typeError(`a mapping of resources (${RESOURCES.join(", ")}) to warn or critical`),
        },
      )
      .optional()
      .describe(
        "Apply the rule only while each named resource is at this level or worse, e.g. { memory: critical }.",
      ),
    severity: z
      .enum(["info", "warning", "critical"], {
        error: "unknown severity; expected info, warning or critical",
      })
      .optional(),
  },
  { error: typeError("a rule (a mapping with name, match and action)") },
);
