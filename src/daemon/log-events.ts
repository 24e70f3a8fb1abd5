// The daemon's events as log lines of the one shape (shared/log-line.ts): the event's own fields
// stay as they were ({event: "run", outcome, killed, …}); the level (and so the journald
// priority) and a readable summary are added here.
import type { LogEntry, LogLevel } from "../shared/log-line.js";

export type DaemonEvent = { event: string } & Record<string, unknown>;

function levelOf(e: DaemonEvent): LogLevel {
  switch (e.event) {
    case "run-failed":
    case "run-killed":
      return "error";
    case "stopped":
      // Gave up on a run: it was killed mid-way.
      return e.gaveUpOnRun === true ? "error" : "info";
    case "scheduler":
      // node-cron's own message, at its own level.
      return ["error", "warn", "debug"].includes(String(e.schedulerLevel))
        ? (String(e.schedulerLevel) as LogLevel)
        : "info";
    case "skipped":
      // A run took longer than the schedule allows: worth a look.
      return "warn";
    case "run":
      if (e.outcome !== "ok" && e.outcome !== "busy") return "warn";
      return typeof e.killed === "number" && e.killed > 0 ? "notice" : "info";
    default:
      return "info";
  }
}

function summaryOf(e: DaemonEvent): string {
  switch (e.event) {
    case "started":
      return `daemon started: schedule ${String(e.schedule)}, next run ${String(e.nextRun)}`;
    case "health":
      return `health endpoint at ${String(e.url)}`;
    case "run":
      return `run ${String(e.outcome)}: ${String(e.killed)} killed, ${String(e.notifications)} notifications, ${String(e.durationMs)} ms`;
    case "run-failed":
      return `run failed (exit ${String(e.exitCode)}): ${String(e.error)}`;
    case "run-killed":
      return `run killed (exit ${String(e.exitCode)}): ${String(e.reason)}`;
    case "scheduler":
      return `scheduler: ${String(e.message)}${e.error === undefined ? "" : `: ${String(e.error)}`}`;
    case "skipped":
      return `tick skipped: ${String(e.reason)}`;
    case "stopping":
      return `daemon stopping on ${String(e.signal)}${e.waitingForRun === true ? ", waiting for the run in progress" : ""}`;
    case "stopped":
      return e.gaveUpOnRun === true
        ? `daemon stopped; gave up on the run in progress after ${String(e.afterMs)} ms`
        : "daemon stopped";
    default:
      return e.event;
  }
}

export function daemonLogEntry(e: DaemonEvent): LogEntry {
  return { level: levelOf(e), summary: summaryOf(e), fields: e };
}
