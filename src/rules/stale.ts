// Whether a process holding a port is stale "by the rules", so that `cleanup port N --free` and a
// health probe's kill_after may kill it. Pure. Stale means one of:
//   - a kill rule's plan names it (its own conditions hold: orphaned, older than, …), or
//   - it belongs to an older instance of a tracked service: a newer instance is running, or a
//     PID file of the service, written after this instance started, names another start of it.
// Anything else is refused with the reasons, however much the operator wants the port back:
// "kill whatever holds the port" is the hard shutdown this tool replaces.
import type { Config, Rule, Service } from "../config/types.js";
import { formatDuration } from "../config/units.js";
import { childrenByParent } from "../scan/tree.js";
import type { ProcessInfo, Snapshot } from "../scan/types.js";
import { serviceInstances } from "../services/pid-files.js";
import { matchSelector, type Lookup } from "./match.js";
import { killTargets } from "./plan.js";
import type { Actor, Plan, PlanEntry, SparedEntry } from "./plan-types.js";
import { buildProtection } from "./protect.js";

/** What the stale judgement needs of a PID file (src/services/pid-files.ts reads them). */
export interface PidFileEvidence {
  path: string;
  pid: number | null;
  mtimeMs: number | null;
}

export interface StaleInput {
  snapshot: Snapshot;
  config: Config;
  actor: Actor;
  /** The rules' plan of this snapshot. */
  plan: Plan;
  /** Each service's PID files, by service name. */
  pidFiles: ReadonlyMap<string, readonly PidFileEvidence[]>;
}

export type Verdict =
  | {
      pid: number;
      stale: true;
      /** Why it is stale, in the operator's words. */
      reasons: string[];
      /** What to kill to free it: the stale process (or its instance) and its tree. */
      entries: PlanEntry[];
    }
  | { pid: number; stale: false; reasons: string[] };

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
  for (const service of input.config.services) {
    const verdict = serviceVerdict(p, service, input, lookup);
    if (verdict?.stale) return verdict;
    if (verdict) reasons.push(...verdict.reasons);
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

/** null: the service is not about this process. */
function serviceVerdict(
  p: ProcessInfo,
  service: Service,
  input: StaleInput,
  lookup: Lookup,
): Verdict | null {
  const instance = instanceRoot(p, service, lookup);
  if (!instance) return null;
  const name = `service ${service.name}`;
  const root = instance.pid === p.pid ? "it" : `its instance (pid ${instance.pid})`;
  const instances = serviceInstances(service, input.snapshot, lookup);
  const files = input.pidFiles.get(service.name) ?? [];
  const tracking = files.find((f) => f.pid !== null && inLineage(f.pid, instance, lookup));
  if (tracking) {
    return {
      pid: p.pid,
      stale: false,
      reasons: [`${name}: ${tracking.path} names ${root}: the current instance`],
    };
  }
  const startedAtMs = input.snapshot.takenAtMs - instance.ageMs;
  const newer = instances.find((q) => q.startTicks > instance.startTicks);
  let why: string | null = null;
  if (newer) {
    why = `${name}: ${root} is an older instance; pid ${newer.pid} (age ${formatDuration(newer.ageMs)}) started after it`;
  } else {
    // The incident: the stop script lost the PID file, the new start wrote its own and crashed
    // on EADDRINUSE. A file written after this instance started and naming another start of
    // the service (dead, or a live instance) says this one is the older.
    const later = files.find(
      (f) =>
        f.pid !== null &&
        f.mtimeMs !== null &&
        f.mtimeMs > startedAtMs &&
        (lookup(f.pid) === undefined ||
          lookup(f.pid)?.state === "Z" ||
          instances.some((q) => q.pid === f.pid)),
    );
    if (later) {
      const named = lookup(later.pid!);
      why = `${name}: ${root} is an older instance; ${later.path} was written ${formatDuration(input.snapshot.takenAtMs - later.mtimeMs!)} ago, after it started (age ${formatDuration(instance.ageMs)}), and names pid ${later.pid}${named && named.state !== "Z" ? "" : " (not running)"}`;
    }
  }
  if (!why) {
    return {
      pid: p.pid,
      stale: false,
      reasons: [
        `${name}: ${root} is the newest instance and no PID file of the service says it was started again`,
      ],
    };
  }
  return staleInstance(p, instance, service, why, input, lookup);
}

/** The instance's whole tree, minus what may never be killed; refused if any of it is. */
function staleInstance(
  p: ProcessInfo,
  instance: ProcessInfo,
  service: Service,
  why: string,
  input: StaleInput,
  lookup: Lookup,
): Verdict {
  const spared: SparedEntry[] = [];
  const rule: Rule = {
    name: `service:${service.name}`,
    index: -1,
    selector: service.selector,
    conditions: {},
    action: "kill",
    severity: service.severity,
    kill: {
      signal: "SIGTERM",
      graceMs: input.config.settings.graceMs,
      tree: true,
      maxKills: input.config.settings.maxKillsPerRun,
    },
  };
  const entries = killTargets(rule, [{ process: instance, facts: [why] }], {
    protection: buildProtection(input.snapshot.selfPid, input.config.protect, lookup),
    actor: input.actor,
    children: childrenByParent(input.snapshot.processes),
    killedThisRun: new Set(),
    spared,
  });
  const blocking = spared.filter((s) => s.process.pid === p.pid || s.process.pid === instance.pid);
  if (blocking.length > 0 || !entries.some((e) => e.process.pid === p.pid)) {
    return {
      pid: p.pid,
      stale: false,
      reasons: [
        why,
        ...blocking.map(
          (s) => `but pid ${s.process.pid} may not be killed: ${s.reasons.join("; ")}`,
        ),
      ],
    };
  }
  if (entries.length > input.config.settings.maxKillsPerRun) {
    return {
      pid: p.pid,
      stale: false,
      reasons: [
        why,
        `but its tree has ${entries.length} processes, over settings.max_kills_per_run (${input.config.settings.maxKillsPerRun})`,
      ],
    };
  }
  // Parts of the tree that may not be killed stay (and say so in the result); the holder goes.
  return { pid: p.pid, stale: true, reasons: [why], entries };
}

/** The top-most ancestor-or-self matching the service: forked workers belong to their parent's instance. */
export function instanceRoot(p: ProcessInfo, service: Service, lookup: Lookup): ProcessInfo | null {
  let root: ProcessInfo | null = null;
  const seen = new Set<number>();
  for (let q: ProcessInfo | undefined = p; q && !seen.has(q.pid); q = lookup(q.ppid)) {
    seen.add(q.pid);
    if (q.pid <= 1 || q.kernelThread) break;
    if (q.argv !== null && matchSelector(service.selector, q, lookup)) root = q;
  }
  return root;
}

/** The pid is the instance, one of its ancestors (a launcher's PID file) or a descendant. */
function inLineage(pid: number, instance: ProcessInfo, lookup: Lookup): boolean {
  const seen = new Set<number>();
  for (let q = lookup(pid); q && !seen.has(q.pid); q = lookup(q.ppid)) {
    if (q.pid === instance.pid) return true;
    seen.add(q.pid);
  }
  const above = new Set<number>();
  for (let q = lookup(instance.ppid); q && q.pid > 1 && !above.has(q.pid); q = lookup(q.ppid)) {
    if (q.pid === pid) return true;
    above.add(q.pid);
  }
  return false;
}
