// A run's warnings as log lines (shared/log-line.ts), for stderr and so for journald's priority
// filter: what the report also records as data (stateProblems, scan.unreadable, a failed sink,
// the deadline) but a person or `journalctl -p warning` must see without reading the report.
// Alerts are not repeated here: the log sink (or another sink) tells those.
import type { LogEntry } from "../shared/log-line.js";
import type { RunReport } from "./run-report.js";
import { deadlineLine } from "./text.js";

export function runLogEntries(report: RunReport): LogEntry[] {
  const entries: LogEntry[] = [];
  if (report.deadline)
    entries.push({
      level: "error",
      summary: deadlineLine(report.deadline),
      fields: { event: "deadline", stage: report.deadline.stage },
    });
  const unreadable = report.scan?.unreadable ?? 0;
  if (unreadable > 0)
    entries.push({
      level: "warn",
      summary: `${unreadable} /proc entries could not be read`,
      fields: { event: "scan-unreadable", unreadable },
    });
  for (const problem of report.stateProblems)
    entries.push({ level: "warn", summary: problem, fields: { event: "state-problem" } });
  for (const d of report.alerts?.deliveries ?? [])
    if (d.status === "failed")
      entries.push({
        level: "warn",
        // Kept in the outbox and sent again next run: a warning, not yet an error.
        summary: `sink ${d.sink} (${d.type}) failed: ${d.error ?? "unknown error"}; ${d.notifications} notifications not delivered`,
        fields: { event: "delivery-failed", sink: d.sink, type: d.type },
      });
  for (const [sink, count] of Object.entries(report.alerts?.orphaned ?? {}))
    entries.push({
      level: "warn",
      summary: `sink ${sink} is no longer in the config: ${count} queued notifications given up`,
      fields: { event: "sink-orphaned", sink, notifications: count },
    });
  return entries;
}
