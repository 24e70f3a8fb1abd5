// Whether a process holding a port is stale "by the rules", so that `cleanup port N --free` and a
// health probe's kill_after may kill it. Pure. Stale means one of:
//   - a kill rule's plan names it (its own conditions hold: orphaned, older than, …), or
//   - it belongs to an older instance of a tracked service: a newer instance is running, or a
//     PID file of the service, written after this instance started, names another start of it.
// Anything else is refused with the reasons, however much the operator wants the port back:
// "kill whatever holds the port" is the hard shutdown this tool replaces. What a service says
// about an instance: stale-service.ts; what freeing the port from it kills: stale-instance.ts.
import type { ProcessInfo } from "../scan/types.js";
import { matchSelector, type Lookup } from "../rules/match.js";
import type { Plan } from "../rules/plan-types.js";
import { namesInstance } from "./instances.js";
import { staleInstance } from "./stale-instance.js";
import { serviceVerdict } from "./stale-service.js";
import type { StaleInput, Verdict } from "./stale-types.js";

export type { PidFileEvidence, StaleInput, Verdict } from "./stale-types.js";

/** One verdict per holder pid. */
export function judgeHolders(input: StaleInput, holders: readonly number[]): Verdict[] {
  const byPid = new Map(input.snapshot.processes.map((p) => [p.pid, p]));
  const lookup: Lookup = (pid) => byPid.get(pid);
  return holders.map((pid) => {
    const p = byPid.get(pid);
    if (!p) return { pid, stale: false, reasons: [`pid ${pid} was not in the scan`] };
    return judgeOne(p, input, lookup);
  });
}

function judgeOne(p: ProcessInfo, input: StaleInput, lookup: Lookup): Verdict {
  const byRule = ruleVerdict(p, input.plan);
  if (byRule) return byRule;
  const reasons: string[] = [];
  for (const spared of input.plan.spared) {
    if (spared.process.pid === p.pid)
      reasons.push(`rule ${spared.rule} spares it: ${spared.reasons.join("; ")}`);
  }
  // A kill rule with `when` that would select it: say why it did not apply.
  for (const inactive of input.plan.inactive) {
    const rule = input.config.rules.find((r) => r.name === inactive.rule);
    if (rule?.action === "kill" && matchSelector(rule.selector, p, lookup))
      reasons.push(`rule ${inactive.rule} selects it but is not applied now: ${inactive.reason}`);
  }
  // Every service has its say, and one that tracks the process as its current instance (a PID
  // file names it) outweighs any other service calling it stale.
  const verdicts = input.config.services.flatMap((service) => {
    const verdict = serviceVerdict(p, service, input, lookup);
    return verdict ? [verdict] : [];
  });
  // Any service's PID file naming the instance (or its launcher) vetoes, not only its own.
  const allFiles = [...input.pidFiles.values()].flat();
  const counted = new Set(
    verdicts.flatMap((v) => (v.kind === "current" && v.file ? [v.file] : [])),
  );
  for (const v of verdicts) {
    if (v.kind !== "older") continue;
    const naming = allFiles.find(
      (f) => f.pid !== null && !counted.has(f.path) && namesInstance(f.pid, v.instance, lookup),
    );
    if (naming) {
      counted.add(naming.path);
      verdicts.push({
        kind: "current",
        file: naming.path,
        reason: `${naming.path} names ${whatIsNamed(naming.pid!, v.instance, p, lookup)}: a current process`,
      });
    }
  }
  const tracked = verdicts.filter((v) => v.kind === "current");
  if (tracked.length > 0)
    return { pid: p.pid, stale: false, reasons: [...reasons, ...tracked.map((v) => v.reason)] };
  for (const v of verdicts) {
    if (v.kind === "older") {
      const verdict = staleInstance(p, v.instance, v.service, v.reason, input, lookup);
      if (verdict.stale) return verdict;
      reasons.push(...verdict.reasons);
    } else reasons.push(v.reason);
  }
  if (reasons.length === 0) reasons.push("no kill rule and no service in the rules matches it");
  return { pid: p.pid, stale: false, reasons };
}

/** Named by a kill entry of the plan (itself, or in the tree of a process the plan kills). */
function ruleVerdict(p: ProcessInfo, plan: Plan): Verdict | null {
  const entry = plan.entries.find((e) => e.action === "kill" && e.process.pid === p.pid);
  if (!entry) return null;
  const root = entry.kill?.treeOf ?? p.pid;
  const entries = plan.entries.filter(
    (e) =>
      e.action === "kill" &&
      e.rule === entry.rule &&
      (e.process.pid === root || e.kill?.treeOf === root),
  );
  const rootEntry = entries.find((e) => e.process.pid === root) ?? entry;
  return {
    pid: p.pid,
    stale: true,
    reasons: [
      root === p.pid
        ? `kill rule ${entry.rule}: ${entry.facts.join("; ")}`
        : `in the tree of pid ${root}, which kill rule ${entry.rule} names: ${rootEntry.facts.join("; ")}`,
    ],
    entries,
  };
}

/** What a PID file naming `pid` names, seen from the holder `p` of the instance. */
function whatIsNamed(pid: number, instance: ProcessInfo, p: ProcessInfo, lookup: Lookup): string {
  if (pid === p.pid) return "it";
  if (pid === instance.pid) return `its instance (pid ${instance.pid})`;
  const seen = new Set<number>();
  for (let q = lookup(pid); q && !seen.has(q.pid); q = lookup(q.ppid)) {
    if (q.pid === instance.pid) return `pid ${pid}, inside its instance (pid ${instance.pid})`;
    seen.add(q.pid);
  }
  return `pid ${pid}, the launcher of its instance (pid ${instance.pid})`;
}
