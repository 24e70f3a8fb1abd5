// One run's report as a node_exporter textfile-collector file (Prometheus text format 0.0.4):
// what each rule found and did, the host metrics and thresholds, and how the run went.
//
// Rules of the collector that shape this file (checked against Debian's node_exporter 1.5):
// - only files ending in ".prom" are read, on every scrape; so the file is written as
//   .cleanup.prom.tmp-<pid> and renamed, and a scrape never sees half a file;
// - a file without a final newline, or with a client-side timestamp, is rejected whole
//   (node_textfile_scrape_error 1): every line here ends in "\n" and none has a timestamp;
// - a series repeated with the same labels is not flagged by node_textfile_scrape_error: the
//   scrape just logs an error and keeps one of them. Series are deduplicated here;
// - Debian runs node_exporter as user "prometheus": the file must be readable by others (0644),
//   unlike the state files (0600).
// A value that could not be measured is left out (no series), never written as 0.
import { join } from "node:path";
import { FAILED_OUTCOMES, KILLED_OUTCOMES } from "../act/results.js";
import type { Action } from "../config/types.js";
import type { Level } from "../host/thresholds.js";
import type { RunOutcome, RunReport } from "./run-report.js";
import { replaceFileAtomically } from "../state/durable.js";
import { readRegularFile } from "../state/safe-read.js";

export const TEXTFILE_NAME = "cleanup.prom";

/** A configured rule. With them, rules that matched nothing still get their series (at 0). */
export interface RuleSummary {
  name: string;
  action: Action;
}

/**
 * The report, optionally with the config's (enabled) rules. Without `rules` the rules are known
 * only from what the plan names, and a rule that matched nothing this run has no series.
 */
export type TextfileReport = RunReport & { rules?: readonly RuleSummary[] };

/** Every outcome a run can have, each written as 0 or 1; "error": the run threw (see renderErrorTextfile). */
export const TEXTFILE_OUTCOMES: readonly (RunOutcome | "error")[] = [
  "ok",
  "attention",
  "busy",
  "deadline",
  "error",
];

const LEVEL_VALUE: Record<Level, number> = { unknown: -1, ok: 0, warn: 1, critical: 2 };

const LAST_SUCCESS = "cleanup_last_success_timestamp_seconds";

export function renderTextfile(report: TextfileReport, now: Date, previous?: string): string {
  const out = new Textfile();
  const plan = report.plan;

  // --- rules -------------------------------------------------------------------------------
  const killRules = new Set<string>();
  const alertRules = new Set<string>();
  const allRules = new Set<string>();
  for (const r of report.rules ?? []) {
    allRules.add(r.name);
    if (r.action === "kill") killRules.add(r.name);
    if (r.action === "alert") alertRules.add(r.name);
  }
  if (plan) {
    for (const e of plan.entries) {
      allRules.add(e.rule);
      if (e.action === "kill") killRules.add(e.rule);
      if (e.action === "alert") alertRules.add(e.rule);
    }
    for (const r of plan.refusals) {
      allRules.add(r.rule);
      killRules.add(r.rule);
    }
    for (const s of plan.spared) allRules.add(s.rule);
  }
  for (const r of report.results) {
    allRules.add(r.rule);
    killRules.add(r.rule);
  }

  // The per-rule series exist only when there was a plan (not for a run that found the lock held).
  if (plan) {
    const found = counter(killRules);
    const killed = counter(killRules);
    const failed = counter(killRules);
    const refused = counter(killRules);
    const spared = counter(allRules);
    const alerts = counter(alertRules);
    for (const e of plan.entries) {
      if (e.action === "kill") add(found, e.rule, 1);
      if (e.action === "alert") add(alerts, e.rule, 1);
    }
    for (const r of plan.refusals) {
      add(found, r.rule, r.wouldKill);
      refused.set(r.rule, 1);
    }
    for (const s of plan.spared) add(spared, s.rule, 1);
    for (const r of report.results) {
      if (KILLED_OUTCOMES.has(r.outcome)) add(killed, r.rule, 1);
      if (FAILED_OUTCOMES.has(r.outcome)) add(failed, r.rule, 1);
    }
    const perRule = (name: string, help: string, values: Map<string, number>): void => {
      const family = out.gauge(name, help);
      for (const [rule, value] of [...values].sort(([a], [b]) => compare(a, b)))
        family.add({ rule }, value);
    };
    perRule(
      "cleanup_orphans_found",
      "Processes a kill rule targeted this run (dry runs count them too; a rule over its budget counts what it would have killed).",
      found,
    );
    perRule(
      "cleanup_processes_killed",
      "Processes a kill rule terminated or killed this run (0 in a dry run).",
      killed,
    );
    perRule(
      "cleanup_kills_failed",
      "Kills that failed this run: not permitted, stuck in D state, survived SIGKILL, refused or failed.",
      failed,
    );
    perRule(
      "cleanup_processes_spared",
      "Processes a rule's selector matched that it did not act on this run.",
      spared,
    );
    perRule(
      "cleanup_rule_budget_refused",
      "1 if the rule was over its kill budget (or the run's) and killed none this run.",
      refused,
    );
    perRule("cleanup_alert_matches", "Processes an alert rule matched this run.", alerts);
  }

  // --- host --------------------------------------------------------------------------------
  const host = report.host;
  if (host) {
    const single = (name: string, help: string, value: number | null | undefined): void => {
      if (value === null || value === undefined || !Number.isFinite(value)) return;
      out.gauge(name, help).add({}, value);
    };
    single(
      "cleanup_memory_used_ratio",
      "Memory in use, (MemTotal - MemAvailable) / MemTotal, 0-1.",
      ratio(host.memory?.usedPercent),
    );
    single(
      "cleanup_swap_used_ratio",
      "Swap in use, 0-1 (0 without swap).",
      ratio(host.swap?.usedPercent),
    );
    single(
      "cleanup_cpu_busy_ratio",
      "CPU busy (not idle, not iowait), 0-1, since the previous run or over an in-run sample.",
      ratio(host.cpu?.busyPercent),
    );
    single(
      "cleanup_load1_per_core",
      "1-minute load average divided by the number of cores.",
      host.load ? round(host.load.perCore1, 4) : null,
    );
    const used = out.gauge(
      "cleanup_disk_used_ratio",
      "Disk space used as df counts it, used / (used + available to users), 0-1.",
    );
    const inodes = out.gauge("cleanup_disk_inodes_used_ratio", "Inodes used, 0-1.");
    const unknown = out.gauge(
      "cleanup_disk_unknown",
      "1 if the mount did not answer statfs (within settings.statfs_timeout) or failed.",
    );
    for (const disk of [...host.disks].sort((a, b) => compare(a.mount, b.mount))) {
      const labels = { mount: disk.mount };
      unknown.add(labels, disk.status === "unknown" ? 1 : 0);
      if (disk.status === "unknown") continue;
      const u = ratio(disk.usedPercent);
      if (u !== null) used.add(labels, u);
      const i = ratio(disk.inodesUsedPercent);
      if (i !== null) inodes.add(labels, i);
    }
    const pressure = out.gauge(
      "cleanup_pressure_some_avg10",
      "Share of the last 10 s some task was stalled on the resource (PSI 'some' avg10 / 100), 0-1.",
    );
    for (const resource of ["cpu", "io", "memory"] as const) {
      const p = host.pressure[resource];
      if (p) pressure.add({ resource }, round(p.some.avg10 / 100, 6));
    }
  }

  // --- thresholds --------------------------------------------------------------------------
  if (report.thresholds) {
    const level = out.gauge(
      "cleanup_threshold_level",
      "Threshold level: 0 ok, 1 warn, 2 critical, -1 unknown (could not be measured).",
    );
    const warn = out.gauge(
      "cleanup_threshold_warn",
      "The warn limit, in the value's unit (a ratio 0-1 for percentages, per core for load).",
    );
    const critical = out.gauge(
      "cleanup_threshold_critical",
      "The critical limit, in the value's unit (a ratio 0-1 for percentages, per core for load).",
    );
    for (const t of report.thresholds) {
      const labels = { key: t.key };
      level.add(labels, LEVEL_VALUE[t.level]);
      warn.add(labels, t.unit === "%" ? round(t.warn / 100, 6) : t.warn);
      critical.add(labels, t.unit === "%" ? round(t.critical / 100, 6) : t.critical);
    }
  }

  // --- services ----------------------------------------------------------------------------
  if (report.services && report.services.length > 0) {
    const up = out.gauge(
      "cleanup_service_healthy",
      "Health probe: 1 healthy, 0 unhealthy (answered, not as expected), -1 unreachable.",
    );
    const failures = out.gauge(
      "cleanup_service_health_failures",
      "Failed health probes in a row, this run included.",
    );
    const probeSeconds = out.gauge(
      "cleanup_service_health_probe_seconds",
      "How long the health probe took.",
    );
    const instances = out.gauge(
      "cleanup_service_instances",
      "Running instances of the service (matching processes none of whose ancestors match).",
    );
    const files = out.gauge(
      "cleanup_service_pid_files",
      "The service's PID files by kind: ok, stale, reused, invalid, unknown.",
    );
    const untracked = out.gauge(
      "cleanup_service_untracked",
      "Instances no PID file names (only for services with pid_files).",
    );
    for (const s of [...report.services].sort((a, b) => compare(a.name, b.name))) {
      const labels = { service: s.name };
      instances.add(labels, s.instances.length);
      if (s.health) {
        up.add(
          labels,
          s.health.status === "healthy" ? 1 : s.health.status === "unhealthy" ? 0 : -1,
        );
        failures.add(labels, s.health.failures);
        probeSeconds.add(labels, round(s.health.durationMs / 1000, 3));
      }
      const kinds = new Map<string, number>();
      for (const f of s.pidFiles) add(kinds, f.kind, 1);
      if (s.pidFiles.length > 0 || s.untracked.length > 0) {
        for (const kind of ["ok", "stale", "reused", "invalid", "unknown"])
          files.add({ service: s.name, kind }, kinds.get(kind) ?? 0);
        untracked.add(labels, s.untracked.length);
      }
    }
  }

  // --- the run -----------------------------------------------------------------------------
  if (report.scan) {
    out
      .gauge("cleanup_processes_scanned", "Processes in /proc at the scan.")
      .add({}, report.scan.processes);
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
  // A dry run acted on nothing: it must not hide "no successful live run for 2 h".
  runLines(out, report.outcome, now, previous, report.dryRun);
  return out.text();
}

/**
 * For a run that threw (config, scan, state directory, internal error): the run metrics only,
 * outcome "error", the last success carried over. Stale per-rule and host series are dropped
 * rather than kept: an absent series says "not known now", an old one would lie.
 */
export function renderErrorTextfile(now: Date, previous?: string): string {
  const out = new Textfile();
  runLines(out, "error", now, previous);
  return out.text();
}

function runLines(
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

/** The file a previous run wrote, for the carry-over of the last success; undefined if none. */
export function readPreviousTextfile(dir: string): string | undefined {
  try {
    // Never through a symlink planted at the name, nor a FIFO; never more than 16 MiB.
    return readRegularFile(join(dir, TEXTFILE_NAME), 16 * 1024 * 1024);
  } catch {
    // Missing (first run), not a regular file, or unreadable: nothing to carry over. writeTextfile says if the
    // directory is unusable.
    return undefined;
  }
}

/** The textfile could not be written (the run itself is done). */
export class TextfileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TextfileError";
  }
}

/**
 * Replaces <dir>/cleanup.prom atomically (see replaceFileAtomically: the temporary name does not
 * end in ".prom", which the collector would read, half-written, and export).
 * The directory is not created: a mistyped --textfile would otherwise be a file nobody reads.
 */
export function writeTextfile(dir: string, text: string): void {
  const path = join(dir, TEXTFILE_NAME);
  try {
    // 0644: node_exporter runs as another user (prometheus).
    replaceFileAtomically(path, text, 0o644);
  } catch (error) {
    throw new TextfileError(`cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}

// --- the text format ------------------------------------------------------------------------

type Labels = Record<string, string>;

class Family {
  private readonly samples = new Map<string, string>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** The first sample with a label set wins: the collector must never see a duplicate. */
  add(labels: Labels, value: number): this {
    const rendered = renderLabels(labels);
    if (!this.samples.has(rendered))
      this.samples.set(rendered, `${this.name}${rendered} ${formatValue(value)}`);
    return this;
  }

  lines(): string[] {
    if (this.samples.size === 0) return [];
    return [
      `# HELP ${this.name} ${escapeHelp(this.help)}`,
      `# TYPE ${this.name} gauge`,
      ...this.samples.values(),
    ];
  }
}

class Textfile {
  private readonly families = new Map<string, Family>();

  gauge(name: string, help: string): Family {
    let family = this.families.get(name);
    if (!family) {
      family = new Family(name, help);
      this.families.set(name, family);
    }
    return family;
  }

  /** Families in the order first asked for; ones without samples are left out. */
  text(): string {
    const lines = [...this.families.values()].flatMap((f) => f.lines());
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  }
}

function renderLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

/** Label values: backslash, double quote and line feed are escaped (text format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text: backslash and line feed are escaped (a double quote is not). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function ratio(percent: number | null | undefined): number | null {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return null;
  return round(percent / 100, 6);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function counter(keys: Iterable<string>): Map<string, number> {
  return new Map([...keys].map((k) => [k, 0]));
}

function add(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

/** By code unit, not locale: the file's order must not depend on the environment. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
