// Which processes the scan reads in detail (argv, uids, exe): the "cheap tests" on stat fields.
// A process is read when some rule could select it: its comm passes the rule's comm list (if
// any), and either the rule has a selector (so a spared match can say why) or the process
// already passes the rule's conditions (a conditions-only rule such as "rss over 500MB").
// Also read: a process that could be an instance of a service (passes the service selector's
// comm list, if any), and the pids the caller names (those in services' PID files).
import type { Config, Selector } from "../config/types.js";
import type { ScanOptions } from "../scan/read-process-table.js";
import type { ProcessInfo } from "../scan/types.js";
import type { Actor } from "./plan-types.js";
import { checkConditions } from "./match.js";
import { findAdopters } from "./orphans.js";

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
  | "reaperNames"
> {
  const selectors: Selector[] = [
    ...config.rules.map((r) => r.selector),
    ...config.protect,
    ...config.services.map((s) => s.selector),
  ];
  return {
    detailFilter: (processes) => detailFilter(config, processes, extraDetail),
    wantParentDetail: selectors.some((s) => s.parent !== undefined),
    wantExe: selectors.some((s) => s.exe !== undefined),
    wantDescendantDetail: config.rules.some((r) => r.kill?.tree === true),
    wantStatus: !actor.mayKillAnyUser || selectors.some((s) => s.user !== undefined),
    wantListeners: selectors.some((s) => s.listeningPort !== undefined),
    reaperNames: config.settings.reapers,
  };
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
  const rules = config.rules.map((rule) => ({
    rule,
    hasSelector: Object.keys(rule.selector).length > 0,
  }));
  const services = config.services
    .map((s) => s.selector)
    .filter((selector) => Object.keys(selector).length > 0);
  return (p) =>
    rules.some(({ rule, hasSelector }) => {
      if (rule.selector.comm && !rule.selector.comm.includes(p.comm)) return false;
      if (hasSelector) return true;
      return checkConditions(rule.conditions, p, adopters).failures.length === 0;
    }) ||
    services.some((selector) => !selector.comm || selector.comm.includes(p.comm)) ||
    extraDetail?.has(p.pid) === true;
}
