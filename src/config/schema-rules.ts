// The schema of what a process is and what a rule does with it: selectors (cmdline, comm, exe,
// user, parent, listening_port), conditions, protect entries and rules.
import { z } from "zod";
import { boolean, duration, positiveInt, regex, runs, size, typeError } from "./schema-values.js";

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

export const protectEntry = z.strictObject(selectorShape, {
  error: typeError("a mapping of selectors (cmdline, comm, exe, user, parent, listening_port)"),
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
