// Which processes the scan reads in detail (argv, uids, exe): the "cheap tests" on stat fields.
// A process is read when some rule could select it: it passes the stat-only tests of the rule's
// selectors (comm; each selector module says whether it has one), and
// - scope "explain" (a dry run, status, explain): the rule has a selector (so a spared match can
//   say why), or the process already passes the rule's stat-only conditions (a conditions-only
//   rule such as "rss over 500MB" would otherwise list every process as spared);
// - scope "act" (a live run): the process passes the rule's stat-only conditions (orphaned,
//   older_than, rss_over, state, the leaderships), whatever its selector. A process whose stat
//   facts fail every rule cannot be a candidate of any, so the run does not read its command line
//   only to say why it spared it: `orphaned: true` reads O(orphans) command lines, not
//   O(processes). The scan counts those left out (Snapshot.notDetailed) and the report says so;
//   a dry run of the same rules reads and explains each. The candidates, and so what the plan
//   kills, alerts and reports, are the same in both scopes: the plan checks every condition again.
// Also read, in both scopes: a process that could be an instance of a service (passes the service
// selector's stat-only tests), with its tree when the service has a health kill_after (freeing
// the port judges protect on the instance's tree), and the pids the caller names (those in
// services' PID files).
import type { Config, Selector } from "../config/types.js";
import type { ScanOptions } from "../scan/read-process-table.js";
import { childrenByParent } from "../scan/tree.js";
import type { ProcessInfo } from "../scan/types.js";
import type { Actor } from "./plan-types.js";
import { checkConditions } from "./match.js";
import { findAdopters } from "./orphans.js";
import { needsUnitStates } from "./conditions/registry.js";
import { tableGaps } from "./conditions/table-gaps.js";
import { openFilesFilter } from "./open-files-filter.js";
import { passesBeforeDetail, scanNeedsOf } from "./selectors/registry.js";

/**
 * How much the scan reads in detail: "explain", every process a rule's selector could take (a
 * dry run, status and explain say why each was spared); "act", only those whose stat facts pass
 * some rule's stat-only conditions (a live run).
 */
export type DetailScope = "explain" | "act";

export function scanNeeds(
  config: Config,
  actor: Actor,
  extraDetail?: ReadonlySet<number>,
  scope: DetailScope = "explain",
): Pick<
  ScanOptions,
  | "detailFilter"
  | "explainOnly"
  | "wantParentDetail"
  | "wantExe"
  | "wantDescendantDetail"
  | "wantStatus"
  | "wantListeners"
  | "wantCgroup"
  | "openFilesFilter"
  | "reaperNames"
> {
  const selectors: Selector[] = [
    ...config.rules.map((r) => r.selector),
    ...config.protect,
    ...config.services.map((s) => s.selector),
  ];
  // What each selector needs read is declared by its module (src/rules/selectors/).
  const needs = scanNeedsOf(selectors);
  // Open files are read last, and only where a `holds` selector could still match.
  const files = needs.has("openFilesFilter") ? openFilesFilter(config) : undefined;
  return {
    detailFilter: (processes) => detailFilter(config, processes, extraDetail, scope),
    ...(scope === "act" && { explainOnly: explainOnly(config) }),
    wantParentDetail: needs.has("wantParentDetail"),
    wantExe: needs.has("wantExe"),
    wantDescendantDetail: config.rules.some((r) => r.kill?.tree === true),
    // Not root: kill(2)'s permission check needs the real and saved uids.
    wantStatus: !actor.mayKillAnyUser || needs.has("wantStatus"),
    wantListeners: needs.has("wantListeners"),
    wantCgroup: needs.has("wantCgroup") || conditionsNeedUnits(config),
    ...(files && { openFilesFilter: files }),
    reaperNames: config.settings.reapers,
  };
}

/** Whether a rule's condition needs the units' states (the run then asks systemd). */
export function conditionsNeedUnits(config: Config): boolean {
  return config.rules.some((r) => needsUnitStates(r.conditions));
}

function detailFilter(
  config: Config,
  processes: readonly ProcessInfo[],
  extraDetail: ReadonlySet<number> | undefined,
  scope: DetailScope,
): (p: ProcessInfo) => boolean {
  let byPid: Map<number, ProcessInfo> | undefined;
  const lookup = (pid: number): ProcessInfo | undefined =>
    (byPid ??= new Map(processes.map((p) => [p.pid, p]))).get(pid);
  const adopters = findAdopters(processes, config.settings, lookup);
  // The unreadable count is not known yet: the filter may only be more permissive than the plan,
  // which checks again with it.
  const context = { adopters, lookup, tableGaps: tableGaps(processes, 0) };
  const rules = config.rules.map((rule) => ({
    rule,
    hasSelector: Object.keys(rule.selector).length > 0,
  }));
  const explainSpares = scope === "explain";
  const services = config.services
    .map((s) => s.selector)
    .filter((selector) => Object.keys(selector).length > 0);
  const trees = instanceTrees(config, processes);
  return (p) =>
    rules.some(({ rule, hasSelector }) => {
      if (!passesBeforeDetail(rule.selector, p)) return false;
      if (hasSelector && explainSpares) return true;
      // Only what stat tells can be checked before the detail read; the rest is checked by plan.
      return checkConditions(rule.conditions, p, context, true).failures.length === 0;
    }) ||
    services.some((selector) => passesBeforeDetail(selector, p)) ||
    trees?.has(p.pid) === true ||
    extraDetail?.has(p.pid) === true;
}

/**
 * Of the processes a live run did not read in detail, those a dry run would have (a rule's
 * selector could take them, so a dry run explains why it spared them): the scan counts them.
 */
function explainOnly(config: Config): (p: ProcessInfo) => boolean {
  const selectors = config.rules
    .map((r) => r.selector)
    .filter((selector) => Object.keys(selector).length > 0);
  return (p) => selectors.some((selector) => passesBeforeDetail(selector, p));
}

/**
 * The trees of the processes that could be an instance of a service with a health kill_after:
 * freeing its port kills the instance's tree, each process of it judged by protect, which needs
 * its detail (services/stale-instance.ts). Undefined when no service has kill_after.
 */
function instanceTrees(config: Config, processes: readonly ProcessInfo[]): Set<number> | undefined {
  const selectors = config.services
    .filter((s) => s.health?.killAfter !== undefined && Object.keys(s.selector).length > 0)
    .map((s) => s.selector);
  if (selectors.length === 0) return undefined;
  const children = childrenByParent(processes);
  const stack = processes
    .filter((p) => !p.kernelThread && selectors.some((s) => passesBeforeDetail(s, p)))
    .map((p) => p.pid);
  const inTree = new Set<number>();
  while (stack.length > 0) {
    for (const child of children.get(stack.pop() as number) ?? []) {
      if (inTree.has(child.pid)) continue;
      inTree.add(child.pid);
      stack.push(child.pid);
    }
  }
  return inTree;
}
