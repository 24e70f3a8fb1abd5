// The readable report of one run, for a person at a terminal or in a cron mail.
import { FAILED_OUTCOMES, KILLED_OUTCOMES, type KillResult } from "../act/results.js";
import { fileLines, fileSummary } from "./files-text.js";
import { formatDuration, formatSize } from "../config/units.js";
import type { PlanEntry, ProcessRef, SparedEntry } from "../rules/plan-types.js";
import type { ThresholdResult } from "../host/thresholds.js";
import type { DeadlineStop, RunReport, ScanSummary } from "./run-report.js";
import { displayCommand } from "../shared/printable.js";
import { serviceLines } from "./services.js";

const MAX_COMMAND = 100;

export interface TextOptions {
  /** Also list the rules whose `when` did not hold (`cleanup --verbose`). */
  verbose?: boolean;
}

export function renderText(report: RunReport, options: TextOptions = {}): string {
  const lines: string[] = [];
  const mode = report.dryRun ? "dry run: nothing will be signalled" : "live run";
  lines.push(`cleanup: ${mode}; config ${report.configFile}`);
  if (report.outcome === "busy") {
    const h = report.lockHolder;
    lines.push(
      `another run holds the lock in ${report.stateDir} (pid ${h?.pid}, since ${h?.since}): this run did nothing`,
    );
    return lines.join("\n") + "\n";
  }
  if (report.deadline) lines.push(`DEADLINE: ${deadlineLine(report.deadline)}`);
  const scan = report.scan;
  const plan = report.plan;
  if (!scan || !plan) return lines.join("\n") + "\n";
  lines.push(scanLine(scan), actorLine(report));
  // Warnings (unreadable /proc entries, state problems, a sink given up) are log lines on
  // stderr, not part of the table: see log-lines.ts.
  if (report.thresholds) lines.push(`host: ${hostSummary(report.thresholds)}`);
  // A rule whose `when` does not hold is the normal case on a calm host: said on request only
  // (cleanup status and --json always say it).
  if (options.verbose)
    for (const inactive of plan.inactive)
      lines.push(`rule ${inactive.rule} inactive: ${inactive.reason}`);

  const results = new Map(report.results.map((r) => [r.pid, r]));
  const kills = plan.entries.filter((e) => e.action === "kill");
  const alerts = plan.entries.filter((e) => e.action === "alert");
  const reports = plan.entries.filter((e) => e.action === "report");

  section(lines, report.dryRun ? "WOULD KILL" : "KILL", kills, (e) =>
    killLine(e, results.get(e.process.pid)),
  );
  section(lines, "ALERT", alerts, (e) => [`${e.severity}`, ...e.facts].join("; "));
  const crossed = (report.thresholds ?? []).filter(
    (t) => t.level === "warn" || t.level === "critical",
  );
  for (const t of crossed)
    lines.push("", `ALERT (${t.level === "critical" ? "critical" : "warning"}) ${t.message}`);
  for (const r of plan.refusals) {
    lines.push("", `ALERT (${r.severity}) ${r.message}`);
  }
  section(lines, "REPORT", reports, (e) => e.facts.join("; "));
  spareSection(lines, plan.spared);
  if (report.files) lines.push(...fileLines(report.files, report.dryRun));
  lines.push(...serviceLines(report.services ?? []));

  notificationSection(lines, report);

  const counts = countOutcomes(report.results);
  lines.push(
    "",
    `summary: ${report.dryRun ? `would kill ${kills.length}` : `killed ${counts.dead} of ${kills.length}${counts.failed ? `, ${counts.failed} failed` : ""}`}, ` +
      `spared ${plan.spared.length}, alerts ${alerts.length + plan.refusals.length + crossed.length}, reports ${reports.length}` +
      (report.files ? `; ${fileSummary(report.files, report.dryRun)}` : "") +
      (report.auditLog ? `; audit log ${report.auditLog}` : ""),
  );
  return lines.join("\n") + "\n";
}

/** How much was scanned, in words: "in detail" alone told a reader nothing. */
function scanLine(scan: ScanSummary): string {
  const skipped =
    scan.notDetailed !== undefined && scan.notDetailed > 0
      ? `; ${scan.notDetailed} ${scan.notDetailed === 1 ? "process" : "processes"} not read in detail: their stat facts fail every rule (a dry run says why each is spared)`
      : "";
  return `scanned ${scan.processes} processes in ${scan.scanMs} ms, ${scan.detailed} of them in full (command line and owner: those a rule or service could match)${skipped}`;
}

/** What this run may signal; a dry run signals nothing, so it says what a live run would be allowed. */
function actorLine(report: RunReport): string {
  const { uid, mayKillAnyUser } = report.actor;
  if (report.dryRun)
    return mayKillAnyUser
      ? `uid ${uid}: a live run would be allowed to signal any user's processes`
      : `uid ${uid}: a live run would act on its own processes only`;
  return mayKillAnyUser
    ? `uid ${uid}: allowed to signal any user's processes`
    : `uid ${uid}: acts on its own processes only`;
}

function section(
  lines: string[],
  title: string,
  entries: PlanEntry[],
  why: (e: PlanEntry) => string,
): void {
  if (entries.length === 0) return;
  lines.push("", `${title} (${entries.length})`);
  for (const e of entries) {
    lines.push(processLine(e.process, e.rule), `        ${why(e)}`);
  }
}

function spareSection(lines: string[], spared: SparedEntry[]): void {
  if (spared.length === 0) return;
  lines.push("", `SPARED (${spared.length}): matched a rule's selector, not acted on`);
  for (const s of spared) {
    lines.push(processLine(s.process, s.rule), `        ${s.reasons.join("; ")}`);
  }
}

function notificationSection(lines: string[], report: RunReport): void {
  const alerts = report.alerts;
  if (!alerts) return;
  const { notifications, deliveries } = alerts;
  if (notifications.length > 0) {
    lines.push(
      "",
      `NOTIFICATIONS (${notifications.length})${report.dryRun ? ": would be sent; nothing is sent in a dry run" : ""}`,
    );
    for (const n of notifications) {
      const status = n.reminder ? "reminder" : n.status;
      lines.push(`  ${status.padEnd(8)} ${n.severity.padEnd(8)} ${n.summary}`);
    }
  }
  for (const d of deliveries) {
    if (d.status === "sent")
      lines.push(
        `  ${d.sink} (${d.type}): sent ${d.notifications}${d.dropped ? ` (+ a note of ${d.dropped} dropped)` : ""}`,
      );
    if (d.status === "failed") {
      lines.push(
        `  ${d.sink} (${d.type}): FAILED: ${d.error}; ${keptLine(d.notifications, alerts.outboxSaved === false ? (alerts.unsaved?.[d.sink] ?? 0) : null)}`,
      );
    }
  }
}

/** What a run cut short by settings.run_deadline left undone. */
export function deadlineLine(stop: DeadlineStop): string {
  return `the run passed its deadline (settings.run_deadline ${formatDuration(stop.limitMs)}) before ${stop.stage} and stopped; not done: ${stop.notDone.join("; ")}`;
}

/**
 * What a failed sink still has, said only as far as it is on disk: `unsaved` null when the
 * outbox was saved, else how many of them this run could not save (the rest, from earlier
 * runs, are still in the outbox file as it was).
 */
function keptLine(queued: number, unsaved: number | null): string {
  if (unsaved === null) return `${queued} kept in the outbox for the next run`;
  const kept = queued - unsaved;
  if (unsaved === 0)
    return `${kept} still in the outbox from earlier runs (it could not be rewritten)`;
  const lost = `${unsaved} of this run's could not be saved (the outbox could not be written): not retried`;
  return kept > 0 ? `${kept} still in the outbox from earlier runs, ${lost}` : lost;
}

/** "memory 42.1% ok, cpu 12.0% ok, disk / 22.0% ok …": one line for a run's report. */
export function hostSummary(thresholds: readonly ThresholdResult[]): string {
  return thresholds.map((t) => `${thresholdLabel(t.key)} ${formatValue(t)} ${t.level}`).join(", ");
}

/** "memory", "disk /var", "inodes /var": a threshold's key as the readable reports name it. */
export function thresholdLabel(key: string): string {
  if (key.startsWith("disk-inodes:")) return `inodes ${key.slice("disk-inodes:".length)}`;
  if (key.startsWith("disk:")) return `disk ${key.slice("disk:".length)}`;
  return key;
}

export function formatValue(t: ThresholdResult): string {
  if (t.value === null) return "?";
  return t.unit === "%" ? `${t.value.toFixed(1)}%` : t.value.toFixed(2);
}

export function processLine(p: ProcessRef, rule: string): string {
  const shown = displayCommand(p, MAX_COMMAND);
  return `  ${String(p.pid).padStart(7)}  ${formatDuration(p.ageMs).padStart(6)}  ${formatSize(p.rssBytes).padStart(8)}  ${(p.user ?? "?").padEnd(8)}  ${rule}: ${shown}`;
}

function killLine(e: PlanEntry, result: KillResult | undefined): string {
  const step = e.kill!;
  const how = `${step.signal}, SIGKILL after ${formatDuration(step.graceMs)}`;
  const outcome =
    result && result.outcome !== "would-kill"
      ? ` → ${result.outcome}${result.detail ? ` (${result.detail})` : ""}`
      : "";
  return `${e.facts.join("; ")}; ${how}${outcome}`;
}

/** The failures are those every output counts (act/results.ts); here "gone" counts as dead too. */
function countOutcomes(results: KillResult[]): { dead: number; failed: number } {
  let dead = 0;
  let failed = 0;
  for (const r of results) {
    if (KILLED_OUTCOMES.has(r.outcome) || r.outcome === "gone") dead++;
    else if (FAILED_OUTCOMES.has(r.outcome)) failed++;
  }
  return { dead, failed };
}
