// One run's report as a Nagios/Icinga plugin line:
//   CLEANUP WARNING - memory 81.2% (warn 75%); 3 orphans would be killed | memory=81.2%;75;85;0;100 …
// The state, worst first:
//   CRITICAL  a threshold is critical; a kill failed; a rule was over its kill budget; an alert
//             rule of severity critical matched
//   WARNING   a threshold is at warn; orphans are waiting to be killed (a dry run's "would kill":
//             the typical check is `cleanup --dry-run --format nagios`, and a leftover found there
//             is work for the timer or a person); an alert rule of severity warning matched; an
//             alert could not be delivered; a service's problem (failing health probe, PID file
//             stale, reused or invalid, an instance without a PID file) at the service's severity
//             (warning by default; critical: CRITICAL)
//   UNKNOWN   a threshold's value could not be measured, or another run held the lock, and
//             nothing above applies
//   OK        otherwise. A live run that killed its orphans did its job: OK, and says so.
// The exit code (OK 0, WARNING 1, CRITICAL 2, UNKNOWN 3) is mapped in src/exit-codes.ts.
import { FAILED_OUTCOMES, KILLED_OUTCOMES } from "../act/results.js";
import { ConfigError, formatProblem } from "../config/errors.js";
import type { ThresholdResult } from "../host/thresholds.js";
import { deadlineLine } from "./text.js";
import type { RunReport } from "./run-report.js";
import { UsageError } from "../shared/usage-error.js";

export type NagiosState = "OK" | "WARNING" | "CRITICAL" | "UNKNOWN";

const RANK: Record<NagiosState, number> = { OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3 };

/** The most problems the text names before "(+N more)": NRPE cuts long output. */
const MAX_PARTS = 5;

interface Part {
  state: NagiosState;
  text: string;
}

export function renderNagios(report: RunReport): { line: string; state: NagiosState } {
  const parts: Part[] = [];
  const plan = report.plan;

  if (report.outcome === "busy") {
    const h = report.lockHolder;
    parts.push({
      state: "UNKNOWN",
      text: `another run holds the lock${h ? ` (pid ${h.pid} since ${h.since})` : ""}: this run did nothing`,
    });
  }

  if (report.deadline) {
    parts.push({ state: "CRITICAL", text: deadlineLine(report.deadline) });
  }

  for (const t of report.thresholds ?? []) {
    if (t.level === "critical" || t.level === "warn") {
      parts.push({
        state: t.level === "critical" ? "CRITICAL" : "WARNING",
        text: `${thresholdName(t)} ${shown(t)} (${t.level} ${limit(t, t.level === "critical" ? t.critical : t.warn)})`,
      });
    } else if (t.level === "unknown") {
      parts.push({ state: "UNKNOWN", text: `${thresholdName(t)} unknown` });
    }
  }

  const failed = report.results.filter((r) => FAILED_OUTCOMES.has(r.outcome));
  if (failed.length > 0) {
    parts.push({
      state: "CRITICAL",
      text: `${plural(failed.length, "kill")} failed: ${countBy(failed.map((r) => r.outcome))} (${unique(failed.map((r) => r.rule))})`,
    });
  }
  for (const r of plan?.refusals ?? []) {
    parts.push({
      state: "CRITICAL",
      text: `rule ${r.rule} over ${r.scope === "rule" ? "its" : "the run's"} kill budget (${r.wouldKill} > ${r.budget}): killed none`,
    });
  }

  const kills = (plan?.entries ?? []).filter((e) => e.action === "kill");
  if (kills.length > 0) {
    const rules = unique(kills.map((e) => e.rule));
    if (report.dryRun) {
      parts.push({
        state: "WARNING",
        text: `${plural(kills.length, "orphan")} would be killed (${rules})`,
      });
    } else {
      const dead = report.results.filter((r) => KILLED_OUTCOMES.has(r.outcome)).length;
      if (dead > 0)
        parts.push({ state: "OK", text: `${plural(dead, "orphan")} killed (${rules})` });
    }
  }

  const alertsByRule = new Map<string, { count: number; severity: string }>();
  for (const e of plan?.entries ?? []) {
    if (e.action !== "alert") continue;
    const a = alertsByRule.get(e.rule) ?? { count: 0, severity: e.severity };
    a.count += 1;
    alertsByRule.set(e.rule, a);
  }
  for (const [rule, a] of alertsByRule) {
    parts.push({
      state: a.severity === "critical" ? "CRITICAL" : a.severity === "warning" ? "WARNING" : "OK",
      text: `alert rule ${rule} matched ${plural(a.count, "process", "processes")}`,
    });
  }

  // Services: a failing probe, PID files naming other programs, instances nobody tracks.
  for (const svc of report.services ?? []) {
    const state: NagiosState =
      svc.severity === "critical" ? "CRITICAL" : svc.severity === "warning" ? "WARNING" : "OK";
    if (svc.health && svc.health.status !== "healthy")
      parts.push({ state, text: `service ${svc.name} ${svc.health.status}: ${svc.health.reason}` });
    const problems = svc.pidFiles.filter(
      (f) =>
        f.kind === "reused" ||
        f.kind === "invalid" ||
        (f.kind === "stale" && f.removal?.outcome !== "removed"),
    );
    if (problems.length > 0)
      parts.push({
        state,
        text: `service ${svc.name} PID files: ${countBy(problems.map((f) => f.kind))}`,
      });
    if (svc.untracked.length > 0)
      parts.push({
        state,
        text: `service ${svc.name}: ${plural(svc.untracked.length, "instance")} without a PID file`,
      });
  }

  for (const d of report.alerts?.deliveries ?? []) {
    if (d.status === "failed") {
      parts.push({
        state: "WARNING",
        text: `alerts not delivered to ${d.sink}${d.error ? ` (${d.error})` : ""}`,
      });
    }
  }

  const state = parts.reduce<NagiosState>((s, p) => (RANK[p.state] > RANK[s] ? p.state : s), "OK");
  // Worst first; the order found within one state.
  const ordered = parts
    .map((p, i) => ({ p, i }))
    .sort((a, b) => RANK[b.p.state] - RANK[a.p.state] || a.i - b.i)
    .map(({ p }) => p.text);
  if (state === "OK" && plan) {
    if (kills.length === 0) ordered.push("no orphans");
    const levels = (report.thresholds ?? []).map((t) => `${thresholdName(t)} ${shown(t)}`);
    if (levels.length > 0) ordered.push(levels.join(", "));
  }
  const more = ordered.length > MAX_PARTS ? ` (+${ordered.length - MAX_PARTS} more)` : "";
  const text = ordered.slice(0, MAX_PARTS).join("; ") + more;
  const perf = perfdata(report);
  const line = `CLEANUP ${state} - ${sanitize(text || "nothing to report")}${perf ? ` | ${perf}` : ""}`;
  return { line, state };
}

/**
 * `CLEANUP UNKNOWN - <message>` for a run that did not complete (config invalid, /proc
 * unreadable, state directory unusable, bad command line, internal error): exit 3. `internal`
 * says whether the error is a bug; the caller asks src/exit-codes.ts (isInternalError), the one
 * place that classifies errors.
 */
export function nagiosErrorLine(error: unknown, internal: boolean): string {
  let message: string;
  if (error instanceof ConfigError) {
    const [first, ...rest] = error.problems;
    message = first
      ? `config invalid: ${formatProblem(first)}${rest.length > 0 ? ` (+${rest.length} more)` : ""}`
      : `config invalid: ${error.file}`;
  } else if (internal) {
    message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
  } else if (error instanceof UsageError) {
    message = `bad command line: ${error.message}`;
  } else {
    message = error instanceof Error ? error.message : String(error);
  }
  return `CLEANUP UNKNOWN - ${sanitize(message)}`;
}

// --- perfdata -------------------------------------------------------------------------------

/** 'label'=value[UOM];[warn];[crit];[min];[max], space-separated. */
function perfdata(report: RunReport): string {
  const items: string[] = [];
  for (const t of report.thresholds ?? []) {
    const percent = t.unit === "%";
    const value =
      t.value === null || !Number.isFinite(t.value) ? "U" : num(t.value, percent ? 1 : 2);
    const uom = percent && value !== "U" ? "%" : "";
    items.push(
      perfItem(perfLabel(t.key), `${value}${uom}`, [
        num(t.warn, 2),
        num(t.critical, 2),
        "0",
        percent ? "100" : "",
      ]),
    );
  }
  const plan = report.plan;
  if (plan) {
    const orphans =
      plan.entries.filter((e) => e.action === "kill").length +
      plan.refusals.reduce((n, r) => n + r.wouldKill, 0);
    const killed = report.results.filter((r) => KILLED_OUTCOMES.has(r.outcome)).length;
    const failed = report.results.filter((r) => FAILED_OUTCOMES.has(r.outcome)).length;
    items.push(perfItem("orphans", String(orphans), ["", "", "0"]));
    items.push(perfItem("killed", String(killed), ["", "", "0"]));
    items.push(perfItem("failed", String(failed), ["", "", "0"]));
    items.push(perfItem("spared", String(plan.spared.length), ["", "", "0"]));
  }
  if (report.scan) items.push(perfItem("scanned", String(report.scan.processes), ["", "", "0"]));
  // A live run's `spared` leaves out what it did not read in detail (its stat facts fail every rule).
  if (report.scan?.notDetailed !== undefined)
    items.push(perfItem("not_detailed", String(report.scan.notDetailed), ["", "", "0"]));
  items.push(perfItem("duration", `${num(report.durationMs / 1000, 3)}s`, ["", "", "0"]));
  return items.join(" ");
}

function perfItem(label: string, value: string, rest: string[]): string {
  // Trailing empty fields may be dropped: "orphans=3;;;0".
  while (rest.length > 0 && rest[rest.length - 1] === "") rest.pop();
  return `${quoteLabel(label)}=${[value, ...rest].join(";")}`;
}

/** "memory", "disk:/var" → "disk_/var", "disk-inodes:/var" → "disk_inodes_/var". */
function perfLabel(key: string): string {
  return key.replace(/^disk-inodes:/, "disk_inodes_").replace(/^disk:/, "disk_");
}

/**
 * Labels with anything but letters, digits and _ . / : - are quoted in single quotes; a quote
 * inside is doubled. "=" cannot be in a label even quoted (parsers split on it): it becomes "_";
 * "|" becomes "/" (it separates text and perfdata).
 */
export function quoteLabel(label: string): string {
  const clean = label
    .replace(/=/g, "_")
    .replace(/\|/g, "/")
    .replace(/[\r\n]/g, " ");
  return /^[A-Za-z0-9_./:-]+$/.test(clean) ? clean : `'${clean.replace(/'/g, "''")}'`;
}

// --- text -----------------------------------------------------------------------------------

function thresholdName(t: ThresholdResult): string {
  if (t.key.startsWith("disk-inodes:")) return `disk ${t.key.slice("disk-inodes:".length)} inodes`;
  if (t.key.startsWith("disk:")) return `disk ${t.key.slice("disk:".length)}`;
  return t.key;
}

function shown(t: ThresholdResult): string {
  if (t.value === null) return "unknown";
  return t.unit === "%" ? `${t.value.toFixed(1)}%` : `${t.value.toFixed(2)} per core`;
}

function limit(t: ThresholdResult, value: number): string {
  // In the unit it was configured in: "(critical 3 per core)", never a bare "3".
  return t.unit === "%" ? `${num(value, 2)}%` : `${num(value, 2)} per core`;
}

/** Fixed decimals without trailing zeros: 12.0 → "12", 81.25 → "81.3" (1 digit). No exponent. */
function num(value: number, digits: number): string {
  const fixed = value.toFixed(digits);
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** One line, and no "|" in the text: Nagios takes what follows the first "|" as perfdata. */
function sanitize(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").replace(/\|/g, "/");
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function unique(values: string[]): string {
  return [...new Set(values)].join(", ");
}

function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n} ${v}`).join(", ");
}
