// The one place that maps a run's outcome (or failure) to the process exit code.
// README.md and `cleanup --help` show this table.
import { ConfigError } from "./config/errors.js";
import type { ExplainOutcome } from "./report/explain.js";
import type { PortOutcome } from "./report/port-report.js";
import type { NagiosState } from "./report/nagios.js";
import type { RunOutcome } from "./report/run-report.js";
import { ScanError } from "./scan/types.js";
import { UsageError } from "./shared/usage-error.js";
import { StateDirError } from "./state/state-dir-error.js";

export const EXIT = {
  OK: 0,
  ATTENTION: 1,
  USAGE: 2,
  CONFIG: 3,
  SCAN: 4,
  BUSY: 5,
  STATE_DIR: 6,
  DEADLINE: 7,
  INTERNAL: 70,
} as const;

export const EXIT_TABLE: [number, string][] = [
  [
    EXIT.OK,
    "run completed: everything planned was done (or, with --dry-run, planned); config valid (check); every test alert sent (alert test); port: shown, already free, freed, or (--free --dry-run) would be freed; explain: every pid explained",
  ],
  [
    EXIT.ATTENTION,
    "run completed, but a kill failed (EPERM, stuck in D state, survived SIGKILL), a rule was over its kill budget, or an alert could not be delivered (it stays in the outbox); alert test: a sink failed; install: a file could not be written; port --free: refused (a holder is not stale) or the port is still held; explain: a pid is no such process (the others are explained)",
  ],
  [EXIT.USAGE, "bad command line"],
  [EXIT.CONFIG, "config invalid or unreadable: nothing scanned, killed or written"],
  [EXIT.SCAN, "the process table could not be read: nothing killed"],
  [EXIT.BUSY, "another run holds the lock: this run did nothing"],
  [
    EXIT.STATE_DIR,
    "the state directory (lock, audit log) cannot be created or written, or (as root) it or the --textfile directory is another user's (owned by them, or writable by others) and not in settings.trust_paths: nothing killed",
  ],
  [
    EXIT.DEADLINE,
    "the run passed settings.run_deadline: it stopped there (no further signal, no SIGKILL after an unfinished grace, no delivery: queued alerts stay in the outbox), said so in the report, audit log and last-run state, and released the lock",
  ],
  [EXIT.INTERNAL, "internal error (a bug): please report it with the message"],
];

/**
 * How the process ends: its exit code, and whether it must end at once instead of when its work
 * is done. Every command returns one; src/cli.ts acts on it.
 */
export interface Exit {
  readonly code: number;
  /** A daemon that gave up on a run in progress: that run's timers would keep the process alive. */
  readonly now?: true;
}

export function exitCodeForOutcome(outcome: RunOutcome): number {
  switch (outcome) {
    case "ok":
      return EXIT.OK;
    case "attention":
      return EXIT.ATTENTION;
    case "busy":
      return EXIT.BUSY;
    case "deadline":
      return EXIT.DEADLINE;
  }
}

/**
 * A run that could not write its --textfile still did its work, but Prometheus now shows the
 * previous run: at least 1, a worse code (busy, deadline) kept.
 */
export function exitCodeForRun(outcome: RunOutcome, textfileWritten: boolean): number {
  const code = exitCodeForOutcome(outcome);
  return textfileWritten ? code : Math.max(code, EXIT.ATTENTION);
}

/** `--format nagios`: the plugin convention replaces the table above. Every error is UNKNOWN. */
export const NAGIOS_EXIT: Record<NagiosState, number> = {
  OK: 0,
  WARNING: 1,
  CRITICAL: 2,
  UNKNOWN: 3,
};

export function exitCodeForNagios(state: NagiosState): number {
  return NAGIOS_EXIT[state];
}

/** `cleanup install`: 1 when a file could not be written. */
export function exitCodeForInstall(failed: boolean): number {
  return failed ? EXIT.ATTENTION : EXIT.OK;
}

/** `cleanup alert test`: 1 when a sink did not take the test alert. */
export function exitCodeForAlertTest(failed: number): number {
  return failed > 0 ? EXIT.ATTENTION : EXIT.OK;
}

/**
 * A daemon that stopped cleanly exits 0; one that gave up on a run in progress exits 1, at once
 * (see Exit).
 */
export function exitForDaemonStop(stop: "stopped" | "gave-up"): Exit {
  return stop === "stopped" ? { code: EXIT.OK } : { code: EXIT.ATTENTION, now: true };
}

/** `cleanup port`: 0 shown, free or freed; 1 refused or still held; 5 busy. */
export function exitCodeForPort(outcome: PortOutcome): number {
  switch (outcome) {
    case "shown":
    case "already-free":
    case "freed":
    case "would-free":
      return EXIT.OK;
    case "refused":
    case "still-held":
      return EXIT.ATTENTION;
    case "busy":
      return EXIT.BUSY;
  }
}

/**
 * `cleanup explain`: 0 when every pid was explained; 1 when one is no such process, as
 * `ps -p` and `kill -0` say it, so that a script can tell "gone" from "explained". The report
 * says which, and explains the others.
 */
export function exitCodeForExplain(outcome: ExplainOutcome): number {
  return outcome === "explained" ? EXIT.OK : EXIT.ATTENTION;
}

export function exitCodeForError(error: unknown): number {
  if (error instanceof ConfigError) return EXIT.CONFIG;
  if (error instanceof ScanError) return EXIT.SCAN;
  if (error instanceof StateDirError) return EXIT.STATE_DIR;
  if (error instanceof UsageError) return EXIT.USAGE;
  return EXIT.INTERNAL;
}

/**
 * A bug rather than a condition the operator can fix: every output (text, JSON, Nagios) then
 * says "internal error" and shows what it can. The one classification of errors.
 */
export function isInternalError(error: unknown): boolean {
  return exitCodeForError(error) === EXIT.INTERNAL;
}

export function exitTableText(): string {
  return EXIT_TABLE.map(([code, meaning]) => `  ${String(code).padStart(2)}  ${meaning}`).join(
    "\n",
  );
}
