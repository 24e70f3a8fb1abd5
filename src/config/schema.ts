// The one schema of rules.yaml. Validation, the generated rules.schema.json (for editors) and
// the "did you mean" hints all come from here. Messages are written "problem; expected X" and
// turned into "problem (got …, expected X)" by src/config/errors.ts.
import { z } from "zod";
import { sinkSchemas, sinkTypeList } from "../sinks/registry.js";
import { patternProblem } from "./pattern.js";
import {
  DURATION_EXAMPLE,
  DURATION_PATTERN,
  PERCENT_EXAMPLE,
  PERCENT_PATTERN,
  SIZE_EXAMPLE,
  SIZE_PATTERN,
  parseDuration,
  parsePercent,
  parseSize,
} from "./units.js";

const typeError =
  (expected: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined
      ? `missing; expected ${expected}`
      : `wrong type; expected ${expected}`;

/** settings.run_deadline's bounds: see its message. */
export const RUN_DEADLINE_MIN_MS = 3_000;
export const RUN_DEADLINE_MAX_MS = 240_000;

const duration = z
  .string({ error: typeError(DURATION_EXAMPLE) })
  .refine((text) => parseDuration(text).ok, {
    error: (issue) => {
      const result = parseDuration(String(issue.input));
      return `${result.ok ? "invalid duration" : result.problem}; expected ${DURATION_EXAMPLE}`;
    },
  })
  .meta({ pattern: DURATION_PATTERN, description: DURATION_EXAMPLE });

const size = z
  .string({ error: typeError(SIZE_EXAMPLE) })
  .refine((text) => parseSize(text).ok, {
    error: (issue) => {
      const result = parseSize(String(issue.input));
      return `${result.ok ? "invalid size" : result.problem}; expected ${SIZE_EXAMPLE}`;
    },
  })
  .meta({ pattern: SIZE_PATTERN, description: SIZE_EXAMPLE });

const percent = z
  .string({ error: typeError(PERCENT_EXAMPLE) })
  .refine((text) => parsePercent(text).ok, {
    error: (issue) => {
      const result = parsePercent(String(issue.input));
      return `${result.ok ? "invalid percentage" : result.problem}; expected ${PERCENT_EXAMPLE}`;
    },
  })
  .meta({ pattern: PERCENT_PATTERN, description: PERCENT_EXAMPLE });

const REGEX_EXPECTED = "an RE2 regular expression, e.g. 'multiprocessing\\.spawn'";
const regex = z
  .string({ error: typeError(REGEX_EXPECTED) })
  .refine((s) => patternProblem(s) === null, {
    error: (issue) =>
      `invalid regular expression: ${patternProblem(String(issue.input))}; expected ${REGEX_EXPECTED}`,
  });

const NAMES_EXPECTED = "a name or a list of names";
const names = z.union([z.string(), z.array(z.string()).min(1)], {
  error: `wrong type; expected ${NAMES_EXPECTED}`,
});

const PORTS_EXPECTED = "a port (9091), a range ('9000-9100') or a list of them";
export const PORT_RANGE_PATTERN = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/;
const portNumber = z
  .number()
  .int({ error: `not a whole number; expected ${PORTS_EXPECTED}` })
  .min(1, { error: `not a port; expected ${PORTS_EXPECTED}` })
  .max(65535, { error: `not a port; expected ${PORTS_EXPECTED}` });
const portRange = z.string().refine(
  (text) => {
    const m = PORT_RANGE_PATTERN.exec(text);
    return m !== null && Number(m[1]) >= 1 && Number(m[2]) <= 65535 && Number(m[1]) <= Number(m[2]);
  },
  { error: `invalid port range; expected ${PORTS_EXPECTED}, low-high with 1 ≤ low ≤ high ≤ 65535` },
);
const portSpec = z.union([portNumber, portRange], {
  error: `wrong type; expected ${PORTS_EXPECTED}`,
});
const ports = z.union([portSpec, z.array(portSpec).min(1)], {
  error: `wrong type; expected ${PORTS_EXPECTED}`,
});

const USERS_EXPECTED = "a user name or uid, or a list of them";
const userRef = z.union([z.string(), z.number().int().nonnegative()]);
const users = z.union([userRef, z.array(userRef).min(1)], {
  error: `wrong type; expected ${USERS_EXPECTED}`,
});

export const PROCESS_STATES = ["R", "S", "D", "Z", "T", "t", "X", "I", "P", "W"] as const;
const states = z.union([z.enum(PROCESS_STATES), z.array(z.enum(PROCESS_STATES)).min(1)], {
  error: `wrong value; expected a state letter (${PROCESS_STATES.join(" ")}) or a list of them`,
});

export const SIGNALS = [
  "SIGTERM",
  "SIGINT",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGKILL",
] as const;

const boolean = (what: string) => z.boolean({ error: typeError(`true or false (${what})`) });

const positiveInt = (what: string) =>
  z
    .number({ error: typeError(`a whole number (${what})`) })
    .int({ error: `not a whole number; expected a whole number (${what})` })
    .min(1, { error: `too small; expected at least 1 (${what})` });

/** What a process is: these pick the processes a rule is about. */
const selectorShape = {
  cmdline: regex
    .optional()
    .describe(
      "RE2 regex searched in the command line (argv joined by single spaces), its first 64 KiB.",
    ),
  comm: names
    .optional()
    .describe("Process name(s) as in /proc/PID/comm (the kernel cuts it to 15 characters)."),
  exe: regex.optional().describe("RE2 regex searched in the executable's path (/proc/PID/exe)."),
  user: users
    .optional()
    .describe("Owner(s): user names or uids (the effective uid, as ps shows it)."),
  parent: regex
    .optional()
    .describe("RE2 regex searched in the parent process's command line (its first 64 KiB)."),
  listening_port: ports
    .optional()
    .describe(
      "Holds a listening TCP socket (or a bound UDP socket) on this port, range ('9000-9100') or list of them.",
    ),
};

/** Conditions: when a selected process is acted on. A selected process that fails one is "spared", with the reason. */
const conditionShape = {
  orphaned: boolean("whether the parent is PID 1 or a subreaper")
    .optional()
    .describe(
      "true: the parent is PID 1 or a subreaper listed in settings.reapers; false: it is not.",
    ),
  older_than: duration.optional().describe("Minimum age, e.g. 1d."),
  rss_over: size.optional().describe("Minimum resident memory, e.g. 500MB."),
  state: states.optional().describe("Process state letter(s), as in ps: R S D Z T …"),
};

export const SELECTOR_KEYS = Object.keys(selectorShape) as (keyof typeof selectorShape)[];

const match = z.strictObject(
  { ...selectorShape, ...conditionShape },
  {
    error: typeError(
      "a mapping of matchers (cmdline, comm, exe, user, parent, listening_port, orphaned, older_than, rss_over, state)",
    ),
  },
);

const protectEntry = z.strictObject(selectorShape, {
  error: typeError("a mapping of selectors (cmdline, comm, exe, user, parent, listening_port)"),
});

const runs = (what: string) =>
  z
    .number({ error: typeError("a whole number of runs") })
    .int({ error: "not a whole number; expected a whole number of runs" })
    .min(1, { error: "too small; expected at least 1" })
    .optional()
    .describe(what);

/** Resources with thresholds; a rule's `when` names them. */
export const RESOURCES = ["memory", "swap", "cpu", "load", "disk"] as const;
export type Resource = (typeof RESOURCES)[number];
const level = z.enum(["warn", "critical"], {
  error: "unknown level; expected warn or critical",
});

const rule = z.strictObject(
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

const service = z.strictObject(
  {
    name: z.string({ error: typeError("a service name") }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
      error: "invalid name; expected letters, digits, '-', '_' or '.'",
    }),
    description: z.string({ error: typeError("a text") }).optional(),
    enabled: boolean("whether the service is tracked").optional(),
    match: protectEntry.describe(
      "What the service's processes are (selectors only: cmdline, comm, exe, user, parent, listening_port).",
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

export const DEFAULT_REAPERS = [
  "systemd",
  "init",
  "tini",
  "dumb-init",
  "catatonit",
  "containerd-shim",
  "conmon",
  "s6-svscan",
  "runit",
];

const settings = z.strictObject(
  {
    reapers: z
      .array(z.string(), { error: typeError("a list of process names") })
      .optional()
      .describe(
        `Processes (by comm) that adopt orphans as subreapers. Default: ${DEFAULT_REAPERS.join(", ")}.`,
      ),
    pid1_adopts_orphans: boolean("whether PID 1 is an init that adopts orphans")
      .optional()
      .describe(
        "Default true. Set false in a container whose PID 1 is your application, not an init: its children have parent 1 without being orphans.",
      ),
    grace: duration.optional().describe("Default wait before SIGKILL. Default 10s."),
    max_kills_per_rule: positiveInt("default kill budget of a rule").optional(),
    max_kills_per_run: positiveInt("the most processes one run may kill").optional(),
    cpu_sample: duration
      .optional()
      .describe(
        "Longest in-run CPU sample, taken only without a usable previous run (or for a rule's `when: { cpu }`). Default 250ms.",
      ),
    run_deadline: duration
      .refine(
        (text) => {
          const parsed = parseDuration(text);
          return (
            !parsed.ok ||
            (parsed.value >= RUN_DEADLINE_MIN_MS && parsed.value <= RUN_DEADLINE_MAX_MS)
          );
        },
        {
          error:
            "out of range; expected from 3s to 4m, so that a run has time to scan and signal and stops itself before the systemd unit's TimeoutStartSec=5min",
        },
      )
      .optional()
      .describe(
        "A whole run's budget: past it the run stops planning and signalling (no SIGKILL escalation), delivers nothing more, releases the lock and exits 7. From 3s to 4m. Default 2m.",
      ),
    statfs_timeout: duration
      .optional()
      .describe("A mount that does not answer within this is reported unknown. Default 2s."),
    top_processes: z
      .number({ error: typeError("a whole number (how many top processes to report)") })
      .int({ error: "not a whole number; expected a whole number" })
      .min(0, { error: "too small; expected 0 or more" })
      .optional()
      .describe(
        "How many of the largest processes (by RSS, with PSS) a report lists. Default 10; 0 = none.",
      ),
    state_dir: z
      .string({ error: typeError("a directory path") })
      .optional()
      .describe(
        "Lock and audit log. Default /var/lib/cleanup as root, $XDG_STATE_HOME/cleanup otherwise.",
      ),
    trust_paths: z
      .array(
        z
          .string({ error: typeError("an absolute path") })
          .startsWith("/", { error: "not an absolute path; expected a path starting with /" }),
        { error: typeError("a list of absolute paths") },
      )
      .optional()
      .describe(
        "Absolute paths (directories or files) accepted even when another user owns them or can write them; without them, as root, such a state dir, textfile dir or secret file is refused.",
      ),
  },
  { error: typeError("a mapping of settings") },
);

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

const thresholds = z.strictObject(
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
    rules: z.array(rule, { error: typeError("a list of rules") }),
    services: z
      .array(service, { error: typeError("a list of services") })
      .optional()
      .describe(
        "Services tracked by PID files and health probes; `cleanup port` judges their instances.",
      ),
  },
  { error: typeError("a mapping with settings, thresholds, alerts, protect, rules and services") },
);

export type RulesFile = z.infer<typeof rulesFileSchema>;
export type RawRule = RulesFile["rules"][number];
export type RawMatch = RawRule["match"];
export type RawSelector = NonNullable<RulesFile["protect"]>[number];
export type RawService = NonNullable<RulesFile["services"]>[number];
