// plan(snapshot, config, actor) → Plan. Pure: no I/O, no clock, no randomness. Everything it
// decides comes with the facts that decided it, and every selected-but-spared process with why.
import type { Config, Resource, Rule, Selector, SelectorField } from "../config/types.js";
import { whenHolds, type Level } from "../host/thresholds.js";
import { argvExcerpt } from "../shared/argv-excerpt.js";
import { childrenByParent } from "../scan/tree.js";
import type { ProcessInfo, Snapshot } from "../scan/types.js";
import { describeMiss } from "./explain-words.js";
import {
  checkConditions,
  evaluateSelector,
  type Lookup,
  type SelectorMiss,
  type SpareCode,
} from "./match.js";
import { matcherOf } from "./selectors/registry.js";
import { findAdopters } from "./orphans.js";
import type { ConditionContext } from "./conditions/check.js";
import { tableGaps } from "./conditions/table-gaps.js";
import type {
  Actor,
  BudgetRefusal,
  Plan,
  PlanEntry,
  ProcessRef,
  SparedEntry,
  UnitRef,
} from "./plan-types.js";
import { buildProtection, type Protection } from "./protect.js";
import { unitFacts } from "./unit-facts.js";
import type { UnitStates } from "../host/unit-states.js";
import { unitOfCgroup } from "../scan/cgroup.js";

export interface Candidate {
  process: ProcessInfo;
  facts: string[];
}

/**
 * `levels`: each resource's threshold level this run (for rules with `when`). `units`: the
 * units' states the run asked systemd for (absent: not asked; unit conditions fail).
 */
export function plan(
  snapshot: Snapshot,
  config: Config,
  actor: Actor,
  levels: Partial<Record<Resource, Level>> = {},
  units?: UnitStates,
): Plan {
  const byPid = new Map(snapshot.processes.map((p) => [p.pid, p]));
  const lookup: Lookup = (pid) => byPid.get(pid);
  const adopters = findAdopters(snapshot.processes, config.settings, lookup);
  const context: ConditionContext = {
    adopters,
    lookup,
    tableGaps: tableGaps(snapshot.processes, snapshot.unreadable),
    ...(units && { units }),
  };
  const protection = buildProtection(snapshot.selfPid, config.protect, lookup);
  const children = config.rules.some((r) => r.kill?.tree)
    ? childrenByParent(snapshot.processes)
    : new Map();
  // Only detailed processes can match a selector; kernel threads are never evaluated.
  const evaluated = snapshot.processes.filter((p) => p.argv !== null && !p.kernelThread);

  const out: Plan = { entries: [], spared: [], refusals: [], inactive: [] };
  const killedThisRun = new Set<number>();
  let runKills = 0;

  for (const rule of config.rules) {
    let whenFact: string | undefined;
    if (rule.when) {
      const when = whenHolds(rule.when, levels);
      if (!when.holds) {
        out.inactive.push({ rule: rule.name, reason: when.reason });
        continue;
      }
      whenFact = when.reason;
    }
    const { candidates, spared } = evaluateRule(rule, evaluated, context);
    if (whenFact) for (const c of candidates) c.facts.push(whenFact);
    if (rule.action !== "kill") {
      out.spared.push(...spared);
      for (const c of candidates) {
        out.entries.push({
          action: rule.action,
          rule: rule.name,
          severity: rule.severity,
          process: ref(c.process, context.units),
          facts: c.facts,
        });
      }
      continue;
    }

    const targets = killTargets(rule, candidates, {
      protection,
      actor,
      children,
      killedThisRun,
      spared,
      ...(units && { units }),
    });
    // A child the rule spared on its own (its parent lives) may still go with its parent's tree.
    const targeted = new Set(targets.map((t) => t.process.pid));
    out.spared.push(...spared.filter((s) => !targeted.has(s.process.pid)));
    if (targets.length === 0) continue;
    const refusal = overBudget(rule, targets.length, runKills, config.settings.maxKillsPerRun);
    if (refusal) {
      out.refusals.push(refusal);
      for (const t of targets)
        out.spared.push({
          rule: rule.name,
          process: t.process,
          code: "over-budget",
          reasons: [refusal.message],
        });
      continue;
    }
    runKills += targets.length;
    for (const t of targets) {
      killedThisRun.add(t.process.pid);
      out.entries.push(t);
    }
  }
  // A process one rule spared and a later rule kills is listed once: as killed.
  out.spared = out.spared.filter(
    (s) => s.code === "over-budget" || !killedThisRun.has(s.process.pid),
  );
  return out;
}

/**
 * The processes of the snapshot that a kill rule applying now (its `when` holds at `levels`)
 * selects with its conditions holding, each with those rules: whom plan()'s kill entries may
 * name, themselves or (kill.tree) with their descendants, before protection and the budgets.
 * A process in none of them is never a kill entry of its own: the plan says of it only what
 * its own facts (and its parent's, for a `parent` selector) say.
 */
export function killCandidates(
  snapshot: Snapshot,
  config: Config,
  levels: Partial<Record<Resource, Level>> = {},
): Map<number, Rule[]> {
  const byPid = new Map(snapshot.processes.map((p) => [p.pid, p]));
  const lookup: Lookup = (pid) => byPid.get(pid);
  const context: ConditionContext = {
    adopters: findAdopters(snapshot.processes, config.settings, lookup),
    lookup,
    tableGaps: tableGaps(snapshot.processes, snapshot.unreadable),
  };
  const evaluated = snapshot.processes.filter((p) => p.argv !== null && !p.kernelThread);
  const taken = new Map<number, Rule[]>();
  for (const rule of config.rules) {
    if (rule.action !== "kill" || (rule.when && !whenHolds(rule.when, levels).holds)) continue;
    for (const c of evaluateRule(rule, evaluated, context).candidates) {
      const rules = taken.get(c.process.pid);
      if (rules) rules.push(rule);
      else taken.set(c.process.pid, [rule]);
    }
  }
  return taken;
}

/** Processes the rule selects and whose conditions hold; selected ones that fail a condition are spared. */
function evaluateRule(
  rule: Rule,
  processes: readonly ProcessInfo[],
  context: ConditionContext,
): { candidates: Candidate[]; spared: SparedEntry[] } {
  // A rule of conditions only (e.g. "rss over 500MB") would list every process as spared.
  const reportSpared = Object.keys(rule.selector).length > 0;
  const candidates: Candidate[] = [];
  const spared: SparedEntry[] = [];
  for (const p of processes) {
    const selected = evaluateSelector(rule.selector, p, context.lookup);
    if (!Array.isArray(selected)) {
      // The program, but not holding the file (`holds`): spared, and the plan says why.
      const code = spareCodeOf(rule.selector, selected, p, context.lookup);
      if (code === null) continue;
      const conditions = checkConditions(rule.conditions, p, context);
      const failure = conditions.failures[0];
      const reasons = failure
        ? conditions.failures.map((f) => f.detail)
        : [describeMiss(selected, rule.selector, p, context.lookup)];
      spared.push(spare(rule, p, failure?.code ?? code, reasons, context.units));
      continue;
    }
    const conditions = checkConditions(rule.conditions, p, context);
    if (conditions.failures.length === 0) {
      candidates.push({ process: p, facts: [...selected, ...conditions.facts] });
    } else if (reportSpared) {
      const reasons = conditions.failures.map((f) => f.detail);
      spared.push(spare(rule, p, conditions.failures[0]!.code, reasons, context.units));
    }
  }
  return { candidates, spared };
}

/**
 * The spare code when the one field that missed is a selector that spares (its spareCode) and
 * every other field of the selector matched; null when the process is simply not selected.
 */
function spareCodeOf(
  selector: Selector,
  miss: SelectorMiss,
  p: ProcessInfo,
  lookup: Lookup,
): SpareCode | null {
  const code = matcherOf(miss.field).spareCode;
  if (code === undefined) return null;
  const others = othersOf(selector, miss.field);
  if (Object.keys(others).length === 0) return null;
  return Array.isArray(evaluateSelector(others, p, lookup)) ? code : null;
}

// A selector without one field, made once per selector and field (a selector never changes).
const without = new WeakMap<Selector, Map<SelectorField, Selector>>();
function othersOf(selector: Selector, field: SelectorField): Selector {
  let byField = without.get(selector);
  if (!byField) without.set(selector, (byField = new Map()));
  let others = byField.get(field);
  if (!others) {
    others = { ...selector };
    delete others[field];
    byField.set(field, others);
  }
  return others;
}

export interface TargetContext {
  protection: Protection;
  actor: Actor;
  children: Map<number, ProcessInfo[]>;
  killedThisRun: Set<number>;
  spared: SparedEntry[];
  units?: UnitStates;
}

/** The rule's kill entries: each candidate, then (tree) its descendants, minus protected ones. */
export function killTargets(rule: Rule, candidates: Candidate[], ctx: TargetContext): PlanEntry[] {
  const kill = rule.kill!;
  const targets: PlanEntry[] = [];
  const inRule = new Set<number>();
  const add = (p: ProcessInfo, facts: string[], treeOf?: number): boolean => {
    if (ctx.killedThisRun.has(p.pid) || inRule.has(p.pid)) return false;
    const protectedBy = ctx.protection.reason(p);
    if (protectedBy) {
      ctx.spared.push(spare(rule, p, "protected", [`protected: ${protectedBy}`], ctx.units));
      return false;
    }
    if (!mayKill(ctx.actor, p)) {
      ctx.spared.push(
        spare(
          rule,
          p,
          "not-permitted",
          [
            `owned by ${p.user ?? p.uid}; this run (uid ${ctx.actor.uid}) may only signal its own processes`,
          ],
          ctx.units,
        ),
      );
      return false;
    }
    inRule.add(p.pid);
    targets.push({
      action: "kill",
      rule: rule.name,
      severity: rule.severity,
      process: ref(p, ctx.units),
      facts,
      kill: { signal: kill.signal, graceMs: kill.graceMs, ...(treeOf !== undefined && { treeOf }) },
    });
    return true;
  };
  for (const c of candidates) {
    if (!add(c.process, c.facts) || !kill.tree) continue;
    // Descendants as the scan saw them: once the root dies they are reparented and the link is lost.
    const stack = [c.process.pid];
    while (stack.length > 0) {
      for (const child of ctx.children.get(stack.pop()!) ?? []) {
        if (add(child, [`descendant of ${c.process.pid} (tree)`], c.process.pid))
          stack.push(child.pid);
      }
    }
  }
  return targets;
}

function overBudget(
  rule: Rule,
  count: number,
  runKills: number,
  runBudget: number,
): BudgetRefusal | null {
  const budget = rule.kill!.maxKills;
  if (count > budget) {
    return {
      rule: rule.name,
      scope: "rule",
      wouldKill: count,
      budget,
      severity: "critical",
      message: `rule ${rule.name} matched ${count} processes to kill, over its budget of ${budget} (max_kills): it kills none this run`,
    };
  }
  if (runKills + count > runBudget) {
    return {
      rule: rule.name,
      scope: "run",
      wouldKill: count,
      budget: runBudget - runKills,
      severity: "critical",
      message: `rule ${rule.name} would kill ${count} processes, but only ${runBudget - runKills} remain of this run's budget of ${runBudget} (settings.max_kills_per_run): it kills none this run`,
    };
  }
  return null;
}

function mayKill(actor: Actor, p: ProcessInfo): boolean {
  return actor.mayKillAnyUser || (p.signalUids ?? []).includes(actor.uid);
}

function spare(
  rule: Rule,
  p: ProcessInfo,
  code: SparedEntry["code"],
  reasons: string[],
  units?: UnitStates,
): SparedEntry {
  return { rule: rule.name, process: ref(p, units), code, reasons };
}

/**
 * The facts of a process a plan, a finding or a report names. `units`: the states the run
 * asked systemd for, so that the unit is named with its state.
 */
export function ref(p: ProcessInfo, units?: UnitStates): ProcessRef {
  const unit = unitRef(p, units);
  return {
    pid: p.pid,
    startTicks: p.startTicks,
    ppid: p.ppid,
    comm: p.comm,
    ...argvExcerpt(p.argv ?? [], {
      truncated: p.argvTruncated === true,
      bytes: p.argvBytes ?? null,
    }),
    ...(p.exe !== null && { exe: p.exe }),
    user: p.user,
    state: p.state,
    ageMs: p.ageMs,
    rssBytes: p.rssBytes,
    ...(unit && { unit }),
  };
}

function unitRef(p: ProcessInfo, units: UnitStates | undefined): UnitRef | undefined {
  if (!p.cgroup) return undefined;
  const found = unitOfCgroup(p.cgroup);
  if (found === null) return undefined;
  const facts = unitFacts(p, units);
  return {
    name: found.unit,
    ...(found.manager !== null && { manager: found.manager }),
    state: facts.known ? facts.stop.words : facts.why,
    ...(facts.known && { stopped: facts.stop.stopped }),
  };
}
