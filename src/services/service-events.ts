// A service's findings as alert events. Pure. Conditions: health failing, stale PID files left
// in place, PID files naming another program or garbage, instances no PID file names.
// Occurrences: stale PID files removed.
import { MAX_DETAILS, processLine } from "../alerts/events.js";
import type { AlertEvent } from "../alerts/types.js";
import { displayUrl, printable } from "../shared/printable.js";
import type { PidFileEntry, ServiceReport } from "./assess.js";

export function serviceEvents(reports: readonly ServiceReport[]): AlertEvent[] {
  return reports.flatMap((s) => [
    ...healthEvents(s),
    ...pidFileEvents(s),
    ...(s.untracked.length > 0
      ? [
          {
            key: `untracked:${s.name}`,
            kind: "condition" as const,
            severity: s.severity,
            summary: `service ${s.name}: ${count(s.untracked.length, "process", "processes")} running without a PID file (started by hand? a stop script will not find ${s.untracked.length === 1 ? "it" : "them"})`,
            details: s.untracked.slice(0, MAX_DETAILS).map(processLine),
            labels: { alertname: "CleanupServiceUntracked", service: s.name },
          },
        ]
      : []),
  ]);
}

function healthEvents(s: ServiceReport): AlertEvent[] {
  const h = s.health;
  if (!h || h.status === "healthy") return [];
  const details = [
    `GET ${printable(displayUrl(h.url))}: ${h.reason}`,
    `failed ${count(h.failures, "run")} in a row${h.killAfter !== undefined ? ` (kill_after ${h.killAfter})` : ""}`,
  ];
  if (h.body) details.push(`body: ${h.body}`);
  const values = h.values.filter((v) => v.value !== null);
  if (values.length > 0) details.push(values.map((v) => `${v.label} ${v.value}`).join(", "));
  for (const holder of h.holders ?? []) {
    details.push(
      `pid ${holder.pid} on the port: ${holder.stale ? "stale" : "not stale"}: ${holder.reasons.join("; ")}`,
    );
  }
  if (h.killNote) details.push(h.killNote);
  return [
    {
      key: `health:${s.name}`,
      kind: "condition",
      severity: s.severity,
      summary: `service ${s.name} is ${h.status}: ${h.reason}`,
      details,
      labels: { alertname: "CleanupServiceHealth", service: s.name },
    },
  ];
}

function pidFileEvents(s: ServiceReport): AlertEvent[] {
  const events: AlertEvent[] = [];
  const left = s.pidFiles.filter(
    (f) => f.kind === "stale" && (!f.removal || f.removal.outcome !== "removed"),
  );
  const removed = s.pidFiles.filter((f) => f.removal?.outcome === "removed");
  const reused = s.pidFiles.filter((f) => f.kind === "reused");
  const invalid = s.pidFiles.filter((f) => f.kind === "invalid");
  if (left.length > 0)
    events.push(
      condition(
        s,
        "pid-file-stale",
        left,
        ["PID file whose process is not running", "PID files whose process is not running"],
        "CleanupPidFileStale",
      ),
    );
  if (reused.length > 0)
    events.push(
      condition(
        s,
        "pid-file-reused",
        reused,
        [
          "PID file whose pid now belongs to another program (not killed)",
          "PID files whose pid now belongs to another program (not killed)",
        ],
        "CleanupPidFileReused",
      ),
    );
  if (invalid.length > 0)
    events.push(
      condition(
        s,
        "pid-file-invalid",
        invalid,
        ["PID file that cannot be used", "PID files that cannot be used"],
        "CleanupPidFileInvalid",
      ),
    );
  if (removed.length > 0)
    events.push({
      key: `pid-file-removed:${s.name}`,
      kind: "occurrence",
      severity: "info",
      summary: `service ${s.name}: removed ${count(removed.length, "stale PID file")}`,
      details: removed.slice(0, MAX_DETAILS).map(fileLine),
      labels: { alertname: "CleanupPidFileRemoved", service: s.name },
    });
  return events;
}

function condition(
  s: ServiceReport,
  kind: string,
  files: PidFileEntry[],
  what: [string, string],
  alertname: string,
): AlertEvent {
  return {
    key: `${kind}:${s.name}`,
    kind: "condition",
    severity: s.severity,
    summary: `service ${s.name}: ${count(files.length, ...what)}`,
    details: files.slice(0, MAX_DETAILS).map(fileLine),
    labels: { alertname, service: s.name },
  };
}

function fileLine(f: PidFileEntry): string {
  const removal = f.removal
    ? ` [${f.removal.outcome}${f.removal.detail ? `: ${f.removal.detail}` : ""}]`
    : "";
  return `${printable(f.path)}: ${f.detail}${removal}`;
}

function count(n: number, singular: string, plural = `${singular}s`): string {
  return n === 1 ? `1 ${singular}` : `${n} ${plural}`;
}
