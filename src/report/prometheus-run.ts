// The textfile's series about the run itself: what it scanned, how long it took, whether the
// alerts got through, when it ended, when a run last succeeded, and its outcome. Pure: no I/O;
// the previous run's textfile comes in as text (see src/state/textfile.ts).
import type { RunOutcome, RunReport } from "./run-report.js";
import { compare, round, type Textfile } from "./prometheus-format.js";

/** Every outcome a run can have, each written as 0 or 1; "error": the run threw (see renderErrorTextfile). */
export const TEXTFILE_OUTCOMES: readonly (RunOutcome | "error")[] = [
  "ok",
  "attention",
  "busy",
  "deadline",
  "error",
];

const LAST_SUCCESS = "cleanup_last_success_timestamp_seconds";

/** Scan size, dry run, durations and alert delivery of a run that completed. */
export function runSeries(out: Textfile, report: RunReport): void {
  if (report.scan) {
    out
      .gauge("cleanup_processes_scanned", "Processes in /proc at the scan.")
      .add({}, report.scan.processes);
    // A live run reads in detail only processes whose stat facts pass some rule; the spared
    // counts (cleanup_processes_spared) leave the others out, so say how many there were.
    if (report.scan.notDetailed !== undefined) {
      out
        .gauge(
          "cleanup_processes_not_detailed",
          "Processes a live run did not read in detail (their stat facts fail every rule); not in the spared counts.",
        )
        .add({}, report.scan.notDetailed);
    }
  }
  out
    .gauge("cleanup_run_dry_run", "1 if the run was a dry run (planned only, nothing signalled).")
    .add({}, report.dryRun ? 1 : 0);
  out
    .gauge("cleanup_run_duration_seconds", "How long the run took.")
    .add({}, round(report.durationMs / 1000, 3));
  const scanMs = report.timings?.scanMs ?? report.scan?.scanMs;
  if (scanMs !== undefined) {
    out
      .gauge("cleanup_run_scan_seconds", "How long the /proc scan took.")
      .add({}, round(scanMs / 1000, 3));
  }
  const delivery = out.gauge(
    "cleanup_alerts_delivery_failed",
    "1 if the sink could not take this run's alerts (they stay in the outbox); live runs only.",
  );
  for (const d of [...(report.alerts?.deliveries ?? [])].sort((a, b) => compare(a.sink, b.sink)))
    delivery.add({ sink: d.sink }, d.status === "failed" ? 1 : 0);
}

/**
 * When the run ended, the last success (now, or carried over from `previous`, the earlier file's
 * text) and the outcome; every run writes these, a run that threw included. A dry run acted on
 * nothing: it does not count as a success.
 */
export function outcomeSeries(
  out: Textfile,
  outcome: RunOutcome | "error",
  now: Date,
  previous: string | undefined,
  dryRun = false,
): void {
  const nowSeconds = round(now.getTime() / 1000, 3);
  out
    .gauge("cleanup_last_run_timestamp_seconds", "When the last run ended (Unix time).")
    .add({}, nowSeconds);
  const lastSuccess = outcome === "ok" && !dryRun ? nowSeconds : lastSuccessIn(previous);
  if (lastSuccess !== null) {
    out
      .gauge(
        LAST_SUCCESS,
        "When the last run with outcome ok ended (Unix time); kept across runs that did not succeed.",
      )
      .add({}, lastSuccess);
  }
  const outcomes = out.gauge(
    "cleanup_run_outcome",
    "1 for the last run's outcome: ok, attention (a kill failed, a budget was exceeded, an alert was not delivered), busy (the lock was held), deadline (the run passed settings.run_deadline and stopped there), error (the run failed).",
  );
  for (const o of TEXTFILE_OUTCOMES) outcomes.add({ outcome: o }, o === outcome ? 1 : 0);
}

/** cleanup_last_success_timestamp_seconds in an earlier file's text, or null. */
export function lastSuccessIn(previous: string | undefined): number | null {
  if (!previous) return null;
  const match = new RegExp(`^${LAST_SUCCESS}(?:\\{\\})?[ \\t]+(\\S+)[ \\t]*$`, "m").exec(previous);
  if (!match) return null;
  const value = Number(match[1]);
  return Number.isFinite(value) && value > 0 ? value : null;
}
