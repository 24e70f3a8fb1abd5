// The format every JSON document cleanup prints names first: "cleanup.<kind>/<major>". A script
// checks it before it reads anything else, and report.schema.json (generated from
// src/report/schema/) describes each kind.
//
// The rule for the number (README, "JSON output"): a change that can break a reader bumps it: a
// field removed or renamed, its type or meaning changed, or one that was always there made
// optional or nullable. An additive change keeps it: a new field, or a new value in a listed set
// (an outcome, a kill result); readers ignore fields they do not know.

/** `cleanup [--dry-run] --json` and `cleanup status --json`: a RunReport (its mode tells which). */
export const RUN_FORMAT = "cleanup.run/1";

/** `cleanup port N --json`: a PortReport. */
export const PORT_FORMAT = "cleanup.port/1";

/** What any command prints with --json when it fails before it has a report (src/main.ts). */
export const ERROR_FORMAT = "cleanup.error/1";

/** `cleanup explain PID… --json`: an ExplainReport. */
export const EXPLAIN_FORMAT = "cleanup.explain/1";
