// The one schema of rules.yaml. Validation, the generated rules.schema.json (for editors) and
// the "did you mean" hints all come from here. Messages are written "problem; expected X" and
// turned into "problem (got …, expected X)" by src/config/errors.ts.
// Its parts: schema-values.ts (durations, sizes, patterns, counts), schema-rules.ts (selectors,
// conditions, rules), schema-services.ts, schema-settings.ts and schema-thresholds.ts.
import { z } from "zod";
import { sinkSchemas, sinkTypeList } from "../sinks/registry.js";
import { fileRule } from "./files/schema.js";
import { protectEntry, rule } from "./schema-rules.js";
import { service } from "./schema-services.js";
import { settings } from "./schema-settings.js";
import { thresholds } from "./schema-thresholds.js";
import { boolean, duration, positiveInt, runs, typeError } from "./schema-values.js";

// The schema's constants, from the one module the rest of the code knows the schema by.
export {
  PORT_RANGE_PATTERN,
  PROCESS_STATES,
  RESOURCES,
  SELECTOR_KEYS,
  SIGNALS,
  type Resource,
} from "./schema-rules.js";
export { DEFAULT_REAPERS, RUN_DEADLINE_MAX_MS, RUN_DEADLINE_MIN_MS } from "./schema-settings.js";

const secret = z.union(
  [z.string(), z.strictObject({ env: z.string() }), z.strictObject({ file: z.string() })],
  { error: "wrong type; expected a string, { env: VARIABLE } or { file: PATH }" },
);

// Each sink type declares its own entry (src/sinks/); this hands it the fragments it shares with
// the rest of the file.
const sink = z.discriminatedUnion(
  "type",
  sinkSchemas({
    name: z.string({ error: typeError("a sink name") }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
      error: "invalid name; expected letters, digits, '-', '_' or '.'",
    }),
    duration,
    secret,
    typeError,
  }),
  { error: `unknown sink type; expected ${sinkTypeList()}` },
);

const alerts = z.strictObject(
  {
    for: runs(
      "Alert only after a condition stood this many runs in a row (a blip pages nobody). Default 1.",
    ),
    remind: duration
      .optional()
      .describe("Repeat an alert this often while it lasts. Default: never."),
    recovery: boolean("whether to send a notice when a condition clears")
      .optional()
      .describe("Default true."),
    outbox_limit: positiveInt("undelivered notifications kept per sink")
      .optional()
      .describe("Default 500."),
    sinks: z
      .array(sink, { error: typeError("a list of sinks") })
      .optional()
      .describe("Default: one log sink."),
  },
  { error: typeError("a mapping of alert settings and sinks") },
);

export const rulesFileSchema = z.strictObject(
  {
    version: z.literal(1, { error: "unsupported version; expected 1" }).optional(),
    settings: settings.optional(),
    thresholds: thresholds.optional(),
    alerts: alerts.optional(),
    protect: z
      .array(protectEntry, { error: typeError("a list of selectors") })
      .optional()
      .describe("Processes never acted on, whatever the rules say."),
    // Optional: a file may only watch the host, or only have `files:` or `services:` rules.
    // A misspelt `rule:` is still caught, as an unknown key.
    rules: z
      .array(rule, { error: typeError("a list of rules") })
      .optional()
      .describe("Process rules. Default: none."),
    services: z
      .array(service, { error: typeError("a list of services") })
      .optional()
      .describe(
        "Services tracked by PID files and health probes; `cleanup port` judges their instances.",
      ),
    files: z
      .array(fileRule, { error: typeError("a list of file rules") })
      .optional()
      .describe(
        "Leftover files (shared-memory segments, semaphores, temp dirs) to report, alert on or remove.",
      ),
  },
  {
    error: typeError(
      "a mapping with settings, thresholds, alerts, protect, rules, services and files",
    ),
  },
);

export type RulesFile = z.infer<typeof rulesFileSchema>;
export type RawRule = NonNullable<RulesFile["rules"]>[number];
export type RawMatch = RawRule["match"];
export type RawSelector = NonNullable<RulesFile["protect"]>[number];
export type RawService = NonNullable<RulesFile["services"]>[number];
export type { RawFileRule } from "./files/schema.js";
