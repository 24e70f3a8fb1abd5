// Which processes the scan reads in detail (argv, uids, exe): the "cheap tests" on stat fields.
// A process is read when some rule could select it: it passes the stat-only tests of the rule's
// selectors (comm; each selector module says whether it has one), and either the rule has a selector (so a spared match can say why) or the process
// already passes the rule's conditions (a conditions-only rule such as "rss over 500MB").
// Also read: a process that could be an instance of a service (passes the service selector's
// stat-only tests), and the pids the caller names (those in services' PID files).
import type { Config, Selector } from "../config/types.js";
import type { ScanOptions } from "../scan/read-process-table.js";
import type { ProcessInfo } from "../scan/types.js";
import type { Actor } from "./plan-types.js";
import { checkConditions } from "./match.js";
import { findAdopters } from "./orphans.js";
import { needsUnitStates } from "./conditions/registry.js";
import { tableGaps } from "./conditions/table-gaps.js";
import { openFilesFilter } from "./open-files-filter.js";
import { passesBeforeDetail, scanNeedsOf } from "./selectors/registry.js";

export function scanNeeds(
  config: Config,
  actor: Actor,
  extraDetail?: ReadonlySet<number>,
): Pick<
  ScanOptions,
  | "detailFilter"
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
    detailFilter: (processes) => detailFilter(config, processes, extraDetail),
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
  const services = config.services
    .map((s) => s.selector)
    .filter((selector) => Object.keys(selector).length > 0);
  return (p) =>
    rules.some(({ rule, hasSelector }) => {
      if (!passesBeforeDetail(rule.selector, p)) return false;
      if (hasSelector) return true;
      // Only what stat tells can be checked before the detail read; the rest is checked by plan.
      return checkConditions(rule.conditions, p, context, true).failures.length === 0;
    }) ||
    services.some((selector) => passesBeforeDetail(selector, p)) ||
    extraDetail?.has(p.pid) === true;
}
