// The schema of a file rule (rules.yaml's top-level `files:`): what leftover files in RAM-backed
// directories (`/dev/shm/psm_*`, `/tmp/pymp-*`) a rule judges, when, and what it does with them.
// What the schema cannot see across keys (remove's guards, `<pid>` for creator_gone, unique
// names) is in cross-checks.ts.
import { z } from "zod";
import { user } from "../selectors/user.js";
import { boolean, duration, positiveInt, size, typeError } from "../schema-values.js";
import { PATH_GLOB_EXPECTED, parsePathGlob } from "./path-glob.js";

export const FILE_KINDS = ["file", "dir", "any"] as const;
export const FILE_ACTIONS = ["report", "alert", "remove"] as const;

const pathGlob = z
  .string({ error: typeError(PATH_GLOB_EXPECTED) })
  .refine((text) => parsePathGlob(text).ok, {
    error: (issue) => {
      const parsed = parsePathGlob(String(issue.input));
      return parsed.ok ? `invalid path; expected ${PATH_GLOB_EXPECTED}` : parsed.problem;
    },
  });

/** `true` or absent: `false` would read as a condition ("held") that does not exist. */
const onlyTrue = (what: string) =>
  z.literal(true, {
    error: (issue) =>
      issue.input === false
        ? `false is the same as leaving the key out; expected true (${what}) or no key`
        : `wrong type; expected true (${what})`,
  });

export const fileRule = z.strictObject(
  {
    name: z.string({ error: typeError("a rule name") }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
      error: "invalid name; expected letters, digits, '-', '_' or '.'",
    }),
    description: z.string({ error: typeError("a text") }).optional(),
    enabled: boolean("whether the rule is used").optional(),
    paths: z
      .array(pathGlob, { error: typeError(`a list of paths, each ${PATH_GLOB_EXPECTED}`) })
      .min(1, { error: `empty; expected at least one path, ${PATH_GLOB_EXPECTED}` })
      .describe(
        "Absolute globs, e.g. /dev/shm/psm_* or /dev/shm/torch_<pid>_*: a literal directory, the glob (* ? [..], <pid> = the creator's pid) in the last component only.",
      ),
    kind: z
      .enum(FILE_KINDS, { error: "unknown kind; expected file, dir or any" })
      .optional()
      .describe(
        "What the entries must be: file (default), dir or any. Symlinks and devices never.",
      ),
    older_than: duration
      .optional()
      .describe("Both mtime and ctime at least this old, e.g. 1d (the age floor)."),
    owner: user.schema.describe("Owner(s) of the file: user names or uids."),
    size_over: size
      .optional()
      .describe("Larger than this (a directory: the sum of its files), e.g. 1MiB."),
    no_holder: onlyTrue("no process holds it")
      .optional()
      .describe(
        "No process holds it open, mapped, as its cwd or bound socket (a process whose holdings cannot be read counts as a holder).",
      ),
    creator_gone: onlyTrue("the creator named by <pid> is not running")
      .optional()
      .describe("The process whose pid the name carries (<pid>, in every path) is not running."),
    action: z
      .enum(FILE_ACTIONS, { error: "unknown action; expected report, alert or remove" })
      .optional()
      .describe("report (default), alert, or remove (needs no_holder: true and older_than)."),
    severity: z
      .enum(["info", "warning", "critical"], {
        error: "unknown severity; expected info, warning or critical",
      })
      .optional(),
    max_files: positiveInt("the most files this rule may remove in one run")
      .optional()
      .describe(
        "Removal budget (remove only): over it, the rule removes nothing this run and alerts. Default settings.max_files_per_rule.",
      ),
    max_bytes: size
      .optional()
      .describe(
        "Removal budget in bytes (remove only): over it, the rule removes nothing this run and alerts. Default: no byte limit.",
      ),
  },
  { error: typeError("a file rule (a mapping with name and paths)") },
);

export type RawFileRule = z.infer<typeof fileRule>;
