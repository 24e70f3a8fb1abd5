// The schema of settings: how orphans are recognised, kill and file-removal budgets, timings (the run deadline),
// the state dir and trusted paths.
import { z } from "zod";
import { boolean, duration, positiveInt, size, typeError } from "./schema-values.js";
import { parseDuration } from "./units.js";

/** settings.run_deadline's bounds: see its message. */
export const RUN_DEADLINE_MIN_MS = 3_000;
export const RUN_DEADLINE_MAX_MS = 240_000;

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

export const settings = z.strictObject(
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
    max_files_per_rule: positiveInt("default removal budget of a file rule")
      .optional()
      .describe("Default `max_files` of a file rule with action remove. Default 100."),
    max_files_per_run: positiveInt("the most files one run may remove")
      .optional()
      .describe("Default 500."),
    max_file_bytes_per_run: size
      .optional()
      .describe(
        "The most bytes one run's file rules may remove, e.g. 8GiB. Default: no byte limit (the file budgets and each rule's max_bytes still apply).",
      ),
    cpu_sample: duration
      .optional()
      .describe(
        "Longest in-run CPU sample, taken only without a usable previous run (or for a rule's `when: { cpu }`); it waits after the kills unless a rule's `when: { cpu }` needs it before the plan. Default 250ms.",
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
