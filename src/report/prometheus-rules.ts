// The textfile's per-rule series: what each rule found, killed, failed to kill, spared, was
// refused for its budget, and (alert rules) matched. Pure: no I/O.
import { FAILED_OUTCOMES, KILLED_OUTCOMES } from "../act/results.js";
import type { Action } from "../config/types.js";
import type { RunReport } from "./run-report.js";
import { add, compare, counter, type Textfile } from "./prometheus-format.js";

/** A configured rule. With them, rules that matched nothing still get their series (at 0). */
export interface RuleSummary {
  name: string;
  action: Action;
}

/**
 * Every rule gets a series in each family it belongs to: kill rules in the kill families, alert
 * rules in cleanup_alert_matches, every rule in cleanup_processes_spared. The rules are those of
 * `rules` (the config's) and those the plan and results name. Nothing without a plan (a run that
 * found the lock held): it looked at no rule.
 */
export function ruleSeries(
  out: Textfile,
  report: RunReport,
  rules: readonly RuleSummary[] | undefined,
): void {
  const plan = report.plan;
  const killRules = new Set<string>();
  const alertRules = new Set<string>();
  const allRules = new Set<string>();
  for (const r of rules ?? []) {
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
  if (!plan) return;

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
    "Processes a rule's selector matched that it did not act on this run (a live run: of those it read in detail, see cleanup_processes_not_detailed).",
    spared,
  );
  perRule(
    "cleanup_rule_budget_refused",
    "1 if the rule was over its kill budget (or the run's) and killed none this run.",
    refused,
  );
  perRule("cleanup_alert_matches", "Processes an alert rule matched this run.", alerts);
}
