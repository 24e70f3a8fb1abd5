// Whose open files the scan reads (ProcessInfo.openFiles, for `holds` selectors): the last and
// dearest read of a scan (a readdir of /proc/PID/fd and a readlink per fd), so only for the
// detailed processes that a selector with `holds` could still match once everything cheaper is
// known. The scan calls the filter after every other read (argv, uids, exe, the parents, the
// sockets), so the rule's other selectors and its conditions are checked here as the plan
// checks them; only what is known after the scan is taken to hold (`when`: the host's levels;
// unit_stopped, unit_main_tree: systemd's unit states), which can only read more than the plan
// uses.
//
// A process is read when:
// - a rule, or a service, with `holds` could take it: its other selectors match and (rules)
//   its conditions hold;
// - a protect entry has `holds` and a kill rule could take it (its selectors other than
//   `holds` match and its conditions hold; with kill.tree, also its descendants): an entry
//   whose open files are unknown protects (fail closed), so a process a kill rule takes must
//   have them read, whatever the entry's other selectors say (protect.ts judges an entry with
//   any unknown fact as "cannot be checked").
// Every other process keeps openFiles absent: explain says "open files not read: it failed an
// earlier test".
import type { Conditions, Config, Rule, Selector } from "../config/types.js";
import type { ScanOptions } from "../scan/read-process-table.js";
import type { ProcessInfo } from "../scan/types.js";
import { checkConditions, matchSelector, type ConditionContext } from "./match.js";
import { findAdopters } from "./orphans.js";
import { eachCondition, needsUnitStates } from "./conditions/registry.js";
import { tableGaps } from "./conditions/table-gaps.js";

export type OpenFilesFilter = NonNullable<ScanOptions["openFilesFilter"]>;

/** How far up its ancestors a process is looked at for a tree kill (as protect's lineage walk). */
const MAX_ANCESTORS = 4096;

/** The filter, or undefined when no rule, service or protect entry has `holds` (nothing read). */
export function openFilesFilter(config: Config): OpenFilesFilter | undefined {
  const rules = config.rules.filter((r) => r.selector.holds !== undefined);
  const services = config.services
    .map((s) => s.selector)
    .filter((selector) => selector.holds !== undefined);
  const protectHolds = config.protect.some((selector) => selector.holds !== undefined);
  if (rules.length === 0 && services.length === 0 && !protectHolds) return undefined;
  const killRules = protectHolds ? config.rules.filter((r) => r.action === "kill") : [];
  const treeRules = killRules.filter((r) => r.kill?.tree === true);
  // The selectors without `holds`: what the rule or service asks besides the open files.
  const withoutHolds = (selector: Selector): Selector => {
    const others: Selector = { ...selector };
    delete others.holds;
    return others;
  };
  const ruleOthers = new Map<Rule, Selector>(
    [...new Set([...rules, ...killRules])].map((r) => [r, withoutHolds(r.selector)]),
  );
  const serviceOthers = services.map(withoutHolds);
  // The units' states are asked of systemd after the scan (run/decide.ts): a unit condition is
  // taken to hold here, which can only read more than the plan uses.
  const scanConditions = new Map<Rule, Conditions>(
    [...ruleOthers.keys()].map((r) => [r, withoutUnitConditions(r.conditions)]),
  );

  return (processes, unreadable) => {
    const byPid = new Map(processes.map((p) => [p.pid, p]));
    const lookup = (pid: number): ProcessInfo | undefined => byPid.get(pid);
    const context: ConditionContext = {
      adopters: findAdopters(processes, config.settings, lookup),
      lookup,
      tableGaps: tableGaps(processes, unreadable),
    };
    const couldTake = (rule: Rule, p: ProcessInfo): boolean =>
      p.argv !== null &&
      !p.kernelThread &&
      matchSelector(ruleOthers.get(rule)!, p, lookup) !== null &&
      checkConditions(scanConditions.get(rule)!, p, context).failures.length === 0;
    // Whether a tree kill rule could take p's ancestor (and so p with its tree), per pid.
    const treeTaken = new Map<number, boolean>();
    const takenWithTree = (p: ProcessInfo): boolean => {
      const seen = new Set<number>([p.pid]);
      const path: number[] = [];
      let answer = false;
      for (let at = lookup(p.ppid), hops = 0; at && hops < MAX_ANCESTORS; hops++) {
        if (seen.has(at.pid)) break;
        seen.add(at.pid);
        const known = treeTaken.get(at.pid);
        if (known !== undefined) {
          answer = known;
          break;
        }
        path.push(at.pid);
        if (treeRules.some((rule) => couldTake(rule, at!))) {
          answer = true;
          break;
        }
        at = lookup(at.ppid);
      }
      for (const pid of path) treeTaken.set(pid, answer);
      return answer;
    };
    return (p) =>
      rules.some((rule) => couldTake(rule, p)) ||
      serviceOthers.some((selector) => matchSelector(selector, p, lookup) !== null) ||
      (protectHolds &&
        (killRules.some((rule) => couldTake(rule, p)) ||
          (treeRules.length > 0 && takenWithTree(p))));
  };
}

/** The conditions but those that need the units' states. */
function withoutUnitConditions(conditions: Conditions): Conditions {
  const kept: Conditions = {};
  for (const [, alone] of eachCondition(conditions))
    if (!needsUnitStates(alone)) Object.assign(kept, alone);
  return kept;
}
