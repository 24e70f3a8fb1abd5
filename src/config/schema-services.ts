// The schema of a tracked service: what its processes are, its PID files, single_instance, and
// its health probe.
import { z } from "zod";
import { protectEntry } from "./schema-rules.js";
import { SELECTOR_KEYS } from "./selectors/registry.js";
import { boolean, duration, positiveInt, runs, typeError } from "./schema-values.js";
import { parseDuration } from "./units.js";

const JSON_SCALAR_EXPECTED = "a string, number, true, false or null";
const jsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: `wrong type; expected ${JSON_SCALAR_EXPECTED}`,
});
const URL_EXPECTED = "an http:// or https:// URL, e.g. http://127.0.0.1:9091/health";
const httpUrl = z.string({ error: typeError(URL_EXPECTED) }).refine(
  (text) => {
    try {
      const url = new URL(text);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  },
  { error: `invalid URL; expected ${URL_EXPECTED}` },
);
const httpStatus = z
  .number({ error: typeError("an HTTP status, e.g. 200") })
  .int({ error: "not a whole number; expected an HTTP status, e.g. 200" })
  .min(100, { error: "not an HTTP status; expected 100-599" })
  .max(599, { error: "not an HTTP status; expected 100-599" });

const JSON_PATH_EXPECTED = "a dotted JSON path such as status or checks.db";
const jsonPath = z
  .string()
  .regex(/^[^.]+(\.[^.]+)*$/, { error: `invalid path; expected ${JSON_PATH_EXPECTED}` });

const health = z.strictObject(
  {
    url: httpUrl.describe("GET this URL; e.g. http://127.0.0.1:9091/health."),
    timeout: duration
      .refine(
        (text) => {
          const parsed = parseDuration(text);
          return !parsed.ok || (parsed.value >= 100 && parsed.value <= 60_000);
        },
        { error: "out of range; expected a duration from 100ms to 60s" },
      )
      .optional()
      .describe("No answer within this: unreachable. Default 5s; 100ms to 60s."),
    expect_status: z
      .union([httpStatus, z.array(httpStatus).min(1)], {
        error: "wrong type; expected an HTTP status or a list of them",
      })
      .optional()
      .describe("Accepted HTTP status(es). Default any 2xx."),
    expect_json: z
      // Keys are checked in cross-checks.ts: zod reports a bad record key with the record's message.
      .record(z.string(), jsonScalar, {
        error: typeError("a mapping of JSON fields (dotted paths) to expected values"),
      })
      .optional()
      .describe(
        "JSON fields of the body (dotted paths) and the value each must have, e.g. { status: healthy }.",
      ),
    show: z
      .record(z.string(), jsonPath, {
        error: typeError("a mapping of labels to JSON fields (dotted paths)"),
      })
      .optional()
      .describe("Values shown with the result: label → JSON field, e.g. { memory: memory_mb }."),
    metrics_url: httpUrl
      .optional()
      .describe("Read `show` from this JSON endpoint instead of the health response."),
    tls_verify: boolean("whether to verify the server's certificate")
      .optional()
      .describe("Default true."),
    kill_after: positiveInt("failed runs in a row before the holder of the port may be killed")
      .optional()
      .describe(
        "After this many failed runs in a row, kill the process listening on the URL's port if, and only if, it is stale by the rules (a kill rule names it, or it is an older instance of this service).",
      ),
  },
  { error: typeError("a mapping with url (and timeout, expect_status, expect_json, show, …)") },
);

export const service = z.strictObject(
  {
    name: z.string({ error: typeError("a service name") }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
      error: "invalid name; expected letters, digits, '-', '_' or '.'",
    }),
    description: z.string({ error: typeError("a text") }).optional(),
    enabled: boolean("whether the service is tracked").optional(),
    match: protectEntry.describe(
      `What the service's processes are (selectors only: ${SELECTOR_KEYS.join(", ")}).`,
    ),
    pid_files: z
      .union([z.string(), z.array(z.string()).min(1)], {
        error: "wrong type; expected a path or glob, or a list of them",
      })
      .optional()
      .describe(
        "PID files of the service: paths or globs (* ? [abc]), relative to this file's directory, e.g. .pids/*.pid.",
      ),
    remove_stale_pid_files: boolean("whether a PID file whose process is dead is deleted")
      .optional()
      .describe("Default false: stale PID files are reported only."),
    single_instance: boolean("whether only one instance of the service should run")
      .optional()
      .describe(
        "Default false. true: an instance is stale (for `cleanup port --free` and kill_after) when a later copy of the same command line, by the same user, is running.",
      ),
    health: health.optional(),
    severity: z
      .enum(["info", "warning", "critical"], {
        error: "unknown severity; expected info, warning or critical",
      })
      .optional()
      .describe("Of this service's alerts. Default warning."),
    for: runs("Alert only after a problem stood this many runs in a row. Default alerts.for."),
    remind: duration.optional().describe("Repeat the alert this often. Default alerts.remind."),
  },
  { error: typeError("a service (a mapping with name and match)") },
);
