// `cleanup explain PID…`: why a run would (or would not) act on a process. Pure, over the same
// snapshot and config a run plans on. The outcome of every rule is read from the plan itself
// (plan() is called here), so an explanation cannot disagree with what a run would do; the
// per-field and per-condition verdicts beside it come from the same evaluation the plan uses
// (evaluateSelector, checkConditions, judgeEntry), one field or condition at a time.
import type { Action, Conditions, Config, Resource, Rule, Selector } from "../config/types.js";
import type { Level } from "../host/thresholds.js";
import type { UnitStates } from "../host/unit-states.js";
import type { Listener, ProcessInfo, Snapshot } from "../scan/types.js";
import { describeMiss } from "./explain-words.js";
import {
  checkConditions,
  evaluateSelector,
  type Lookup,
  type SelectorField,
  type SpareCode,
} from "./match.js";
import { findAdopters, type Adopters } from "./orphans.js";
import type { Actor, Plan, ProcessRef } from "./plan-types.js";
import { plan, ref } from "./plan.js";
import { buildProtection, judgeEntry, type Protection } from "./protect.js";
import { FIELDS } from "./selectors/registry.js";
import type { ConditionContext } from "./conditions/check.js";
import { CONDITION_FIELD_KEYS, eachCondition } from "./conditions/registry.js";
import { leadership, type Leadership } from "./conditions/leader.js";
import { tableGaps } from "./conditions/table-gaps.js";
import type { ConditionKey } from "../config/conditions/registry.js";

/**
 * What the plan does with the process under one rule:
 *   acts          the rule acts on it (kill, alert or log)
 *   spared        the rule selected it and left it alone (code and reasons say why)
 *   not-matched   the rule does not select it (the failed field or condition is named)
 *   inactive      the rule's `when` did not hold: not evaluated this run
 *   taken         an earlier rule already kills it
 */
export type RuleOutcome = "acts" | "spared" | "not-matched" | "inactive" | "taken";

export interface FieldVerdict {
  field: SelectorField;
  matched: boolean;
  /** The fact that decided: "cmdline matches /x/", "comm bash is not python3". */
  detail: string;
}

/** A condition as the rules file spells it. */
export type ConditionName = ConditionKey;

export interface ConditionVerdict {
  condition: ConditionName;
  held: boolean;
  detail: string;
}

export interface RuleVerdict {
  rule: string;
  action: Action;
  outcome: RuleOutcome;
  /** With spared: the plan's code (parent-alive, too-young, protected, over-budget…). */
  code?: SpareCode;
  /** The words that decided: the plan's facts (acts), its reasons (spared), or the failures. */
  reasons: string[];
  /** With acts: killed as a descendant of this pid (kill.tree). */
  treeOf?: number;
  /** Every selector field of the rule, each on its own. */
  selector: FieldVerdict[];
  /** Every condition of the rule, each on its own. */
  conditions: ConditionVerdict[];
}

export type EntryOutcome = "matches" | "cannot-check" | "no-match";

export interface ProtectionVerdict {
  /** Why no rule may kill it (the plan's words), or null. */
  reason: string | null;
  /** PID 1, a kernel thread, the agent, its ancestors, a process not read in detail. */
  builtIn: string | null;
  entries: { index: number; outcome: EntryOutcome; detail: string }[];
}

export interface ParentFacts {
  pid: number;
  comm: string | null;
  orphaned: boolean;
  /** "orphaned (parent 1 systemd)", "parent alive (parent 50 python3)", with the reaper judgement. */
  fact: string;
}

/** Its process group's or session's leader, as group_leader and session_leader judge it. */
export type LeaderFacts = Leadership;

export interface Explanation {
  pid: number;
  process: ProcessRef;
  /** Why no rule evaluates it at all (kernel thread, not read in detail), or null. */
  unevaluated: string | null;
  parent: ParentFacts;
  group: LeaderFacts;
  session: LeaderFacts;
  /** Its listening TCP and bound UDP sockets; null when they could not be read. */
  listening: Listener[] | null;
  protection: ProtectionVerdict;
  rules: RuleVerdict[];
}

/** One entry per asked pid, in order: an explanation, or null when there is no such process. */
export function explainProcesses(
  snapshot: Snapshot,
  config: Config,
  actor: Actor,
  levels: Partial<Record<Resource, Level>>,
  pids: readonly number[],
  units?: UnitStates,
): { plan: Plan; explanations: (Explanation | null)[] } {
  const thePlan = plan(snapshot, config, actor, levels, units);
  const byPid = new Map(snapshot.processes.map((p) => [p.pid, p]));
  const lookup: Lookup = (pid) => byPid.get(pid);
  const adopters = findAdopters(snapshot.processes, config.settings, lookup);
  const protection = buildProtection(snapshot.selfPid, config.protect, lookup);
  const context: ConditionContext = {
    adopters,
    lookup,
    tableGaps: tableGaps(snapshot.processes, snapshot.unreadable),
    ...(units && { units }),
  };
  const scope: Scope = { config, plan: thePlan, lookup, adopters, protection, context };
  return {
    plan: thePlan,
    explanations: pids.map((pid) => {
      const p = byPid.get(pid);
      return p ? explainOne(p, scope) : null;
    }),
  };
}

interface Scope {
  config: Config;
  plan: Plan;
  lookup: Lookup;
  adopters: Adopters;
  protection: Protection;
  context: ConditionContext;
}

function explainOne(p: ProcessInfo, scope: Scope): Explanation {
  const { adopters, lookup } = scope;
  // As plan() filters: only detailed processes are evaluated, kernel threads never.
  const unevaluated = p.kernelThread
    ? "a kernel thread: no rule evaluates it"
    : p.argv === null
      ? "not read in detail (it exited during the scan, or /proc/PID/cmdline is unreadable): no rule evaluates it"
      : null;
  return {
    pid: p.pid,
    process: ref(p, scope.context.units),
    unevaluated,
    parent: {
      pid: p.ppid,
      comm: lookup(p.ppid)?.comm ?? null,
      orphaned: adopters.adopts(p.ppid),
      fact: adopters.describe(p.ppid),
    },
    group: leadership("group", p, scope.context),
    session: leadership("session", p, scope.context),
    listening: p.listening ?? null,
    protection: protectionVerdict(p, scope),
    rules: scope.config.rules.map((rule) => ruleVerdict(rule, p, unevaluated, scope)),
  };
}

function protectionVerdict(p: ProcessInfo, scope: Scope): ProtectionVerdict {
  const { lookup } = scope;
  return {
    reason: scope.protection.reason(p),
    builtIn: scope.protection.builtIn(p),
    entries: scope.config.protect.map((selector, index) => {
      const v = judgeEntry(selector, p, lookup);
      const detail =
        v.kind === "matches"
          ? v.facts.join(", ")
          : v.kind === "cannot-check"
            ? `cannot be checked: ${v.unknown}`
            : describeMiss(v.miss, selector, p, lookup);
      return { index, outcome: v.kind, detail };
    }),
  };
}

function ruleVerdict(
  rule: Rule,
  p: ProcessInfo,
  unevaluated: string | null,
  scope: Scope,
): RuleVerdict {
  const { plan: thePlan, lookup, context } = scope;
  const selector = fieldVerdicts(rule.selector, p, lookup);
  const conditions = conditionVerdicts(rule.conditions, p, context);
  const verdict = (
    outcome: RuleOutcome,
    reasons: string[],
    extra: Pick<RuleVerdict, "code" | "treeOf"> = {},
  ): RuleVerdict => ({
    rule: rule.name,
    action: rule.action,
    outcome,
    ...extra,
    reasons,
    selector,
    conditions,
  });
  const inactive = thePlan.inactive.find((i) => i.rule === rule.name);
  if (inactive) return verdict("inactive", [inactive.reason]);
  const entry = thePlan.entries.find((e) => e.rule === rule.name && e.process.pid === p.pid);
  if (entry) {
    const treeOf = entry.kill?.treeOf;
    return verdict("acts", entry.facts, treeOf !== undefined ? { treeOf } : {});
  }
  const spared = thePlan.spared.filter((s) => s.rule === rule.name && s.process.pid === p.pid);
  const decisive = spared.find((s) => s.code === "over-budget") ?? spared[0];
  if (decisive) {
    return verdict("spared", decisive.reasons, { code: decisive.code });
  }
  if (unevaluated) return verdict("not-matched", [unevaluated]);

  // Not in the plan under this rule: the same evaluation the plan made says why.
  const selected = evaluateSelector(rule.selector, p, lookup);
  if (!Array.isArray(selected)) {
    return verdict("not-matched", [describeMiss(selected, rule.selector, p, lookup)]);
  }
  const { failures } = checkConditions(rule.conditions, p, context);
  const others = thePlan.entries.filter((e) => e.process.pid === p.pid && e.action === "kill");
  const killedBy = others.map((e) => `rule ${e.rule} kills it`);
  if (failures.length > 0) {
    const reasons = failures.map((f) => f.detail);
    // A rule of conditions only selects what passes them: the rest is not "spared" by it.
    if (Object.keys(rule.selector).length === 0) return verdict("not-matched", reasons);
    // The plan lists a spared process once, as killed, when another rule kills it.
    return verdict("spared", [...reasons, ...killedBy], { code: failures[0]!.code });
  }
  // Selected and every condition held, yet not this rule's: an earlier rule already kills it.
  return verdict("taken", killedBy.length > 0 ? killedBy : ["not in this run's plan"]);
}

/** Each given field evaluated alone, by the matcher itself. */
function fieldVerdicts(selector: Selector, p: ProcessInfo, lookup: Lookup): FieldVerdict[] {
  return FIELDS.filter((field) => selector[field] !== undefined).map((field) => {
    const alone: Selector = { [field]: selector[field] };
    const result = evaluateSelector(alone, p, lookup);
    return Array.isArray(result)
      ? { field, matched: true, detail: result.join(", ") }
      : { field, matched: false, detail: describeMiss(result, selector, p, lookup) };
  });
}

/** Each given condition checked alone, by the plan's own check. */
function conditionVerdicts(
  conditions: Conditions,
  p: ProcessInfo,
  context: ConditionContext,
): ConditionVerdict[] {
  return eachCondition(conditions).map(([field, alone]) => {
    const condition = CONDITION_FIELD_KEYS[field];
    const { facts, failures } = checkConditions(alone, p, context);
    const failure = failures[0];
    return failure
      ? { condition, held: false, detail: failure.detail }
      : { condition, held: true, detail: facts.join(", ") };
  });
}
