// What a run has to say, as events with stable keys. Pure: the run's findings in, events out.
// Conditions (a threshold crossed, an alert rule matching, a budget refusal, a kill that keeps
// failing) last across runs and go through the policy; occurrences (processes killed) are told
// once.
import type { KillResult } from "../act/results.js";
import { FAILED_OUTCOMES, KILLED_OUTCOMES } from "../act/results.js";
import { formatDuration, formatSize } from "../config/units.js";
import type { ThresholdResult } from "../host/thresholds.js";
import { limitsText, shownValue, thresholdWhat } from "../host/thresholds.js";
import type { Plan, PlanEntry, ProcessRef } from "../rules/plan-types.js";
import type { AlertEvent, Reading } from "./types.js";
import { displayCommand, printable } from "../shared/printable.js";

export interface RunFindings {
  plan: Plan;
  /** Of a live run; a dry run's would-kill results tell nothing happened. */
  results: readonly KillResult[];
  thresholds: readonly ThresholdResult[];
}

/** The most processes or files an event lists. */
export const MAX_DETAILS = 20;

export function collectEvents(findings: RunFindings): AlertEvent[] {
  return [
    ...thresholdEvents(findings.thresholds),
    ...alertRuleEvents(findings.plan.entries),
    ...findings.plan.refusals.map((r): AlertEvent => ({
      key: `budget:${r.rule}`,
      kind: "condition",
      severity: "critical",
      summary: r.message,
      details: [`would kill ${r.wouldKill}, budget ${r.budget} (${r.scope})`],
      labels: { alertname: "CleanupKillBudget", rule: r.rule },
    })),
    ...killEvents(findings.plan.entries, findings.results),
  ];
}

/** Scan failures happen before there is a plan; the run reports them as a condition too. */
export function scanErrorEvent(message: string): AlertEvent {
  return {
    key: "scan",
    kind: "condition",
    severity: "critical",
    summary: `cleanup cannot read the process table: ${message}`,
    details: [],
    labels: { alertname: "CleanupScanFailed" },
  };
}

function thresholdEvents(thresholds: readonly ThresholdResult[]): AlertEvent[] {
  const events: AlertEvent[] = [];
  for (const t of thresholds) {
    if (t.level === "ok") continue;
    // Unknown is its own alert, not a level of the threshold one (Alertmanager keys by labels).
    const alertname = t.level === "unknown" ? "CleanupMetricUnknown" : "CleanupThreshold";
    const labels: Record<string, string> = { alertname, resource: t.resource };
    if (t.key.includes(":")) labels.target = t.key.slice(t.key.indexOf(":") + 1);
    events.push({
      key: t.level === "unknown" ? `unknown:${t.key}` : `threshold:${t.key}`,
      kind: "condition",
      severity: t.level === "critical" ? "critical" : "warning",
      summary: t.message,
      details: t.value === null ? [] : [valueLine(t, t.value)],
      // What a recovery says it was: the value and the level, as this alert tells them.
      reading: t.value === null ? "unknown" : `${shownValue(t.value, t.unit)}, ${t.level}`,
      labels,
    });
  }
  return events;
}

/**
 * How each measured threshold reads now, under the keys of both its alerts (the threshold one and
 * the "could not be measured" one): a recovery says what the value is now, not what it was when
 * the alert was last told.
 */
export function currentReadings(thresholds: readonly ThresholdResult[]): Map<string, Reading> {
  const readings = new Map<string, Reading>();
  for (const t of thresholds) {
    if (t.value === null || !Number.isFinite(t.value)) continue;
    const reading: Reading = {
      summary: `${thresholdWhat(t.key)} ${shownValue(t.value, t.unit)}`,
      details: [valueLine(t, t.value)],
    };
    readings.set(`threshold:${t.key}`, reading);
    readings.set(`unknown:${t.key}`, reading);
  }
  return readings;
}

/** "value 87.2%, warn 75%, critical 85%": the limits in the unit they were configured in. */
function valueLine(t: ThresholdResult, value: number): string {
  return `value ${shownValue(value, t.unit)}, ${limitsText(t)}`;
}

function alertRuleEvents(entries: readonly PlanEntry[]): AlertEvent[] {
  const byRule = new Map<string, PlanEntry[]>();
  for (const e of entries) {
    if (e.action !== "alert") continue;
    const list = byRule.get(e.rule);
    if (list) list.push(e);
    else byRule.set(e.rule, [e]);
  }
  return [...byRule].map(([rule, matched]) => ({
    key: `rule:${rule}`,
    kind: "condition",
    severity: matched[0]!.severity,
    summary: `${rule}: ${matched.length} process${matched.length === 1 ? "" : "es"} (${matched[0]!.facts.join("; ")})`,
    details: describe(matched.map((e) => e.process)),
    labels: { alertname: "CleanupRule", rule },
  }));
}

function killEvents(entries: readonly PlanEntry[], results: readonly KillResult[]): AlertEvent[] {
  // A dry run has no results: no index of 10,000 planned kills for nothing.
  if (results.length === 0) return [];
  const byPid = new Map(entries.filter((e) => e.action === "kill").map((e) => [e.process.pid, e]));
  const killed = new Map<string, ProcessRef[]>();
  const failed = new Map<string, { process: ProcessRef; why: string }[]>();
  for (const r of results) {
    const entry = byPid.get(r.pid);
    if (!entry) continue;
    if (KILLED_OUTCOMES.has(r.outcome)) push(killed, r.rule, entry.process);
    else if (FAILED_OUTCOMES.has(r.outcome))
      push(failed, r.rule, {
        process: entry.process,
        why: `${r.outcome}${r.detail ? `: ${r.detail}` : ""}`,
      });
  }
  const events: AlertEvent[] = [];
  for (const [rule, processes] of killed) {
    const freed = processes.reduce((sum, p) => sum + p.rssBytes, 0);
    events.push({
      key: `killed:${rule}`,
      kind: "occurrence",
      severity: "info",
      summary: `${rule}: killed ${processes.length} process${processes.length === 1 ? "" : "es"}, ${formatSize(freed)} resident freed`,
      details: describe(processes),
      labels: { alertname: "CleanupKilled", rule },
    });
  }
  for (const [rule, failures] of failed) {
    events.push({
      key: `kill-failed:${rule}`,
      kind: "condition",
      severity: "critical",
      summary: `${rule}: ${failures.length} process${failures.length === 1 ? "" : "es"} could not be killed`,
      details: failures.slice(0, MAX_DETAILS).map((f) => `${processLine(f.process)}: ${f.why}`),
      labels: { alertname: "CleanupKillFailed", rule },
    });
  }
  return events;
}

function describe(processes: readonly ProcessRef[]): string[] {
  const lines = processes.slice(0, MAX_DETAILS).map(processLine);
  if (processes.length > MAX_DETAILS) lines.push(`… and ${processes.length - MAX_DETAILS} more`);
  return lines;
}

/**
 * One process in an alert's details: pid, user, age, rss, its systemd unit and the unit's state
 * where the run read them, and the (escaped, cut) command line.
 */
export function processLine(p: ProcessRef): string {
  const unit = p.unit ? `, in ${printable(p.unit.name)}: ${printable(p.unit.state)}` : "";
  return `pid ${p.pid} (${p.user ?? "?"}, age ${formatDuration(p.ageMs)}, rss ${formatSize(p.rssBytes)}${unit}) ${displayCommand(p, 120)}`;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
