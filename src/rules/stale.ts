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
import {
  forkedCopy,
  instanceRoot,
  namesInstance,
  serviceInstances,
} from "../services/instances.js";
import { matchSelector, type Lookup } from "./match.js";
import { killTargets } from "./plan.js";
import type { Actor, Plan, PlanEntry, SparedEntry } from "./plan-types.js";
import { buildProtection } from "./protect.js";

/** What the stale judgement needs of a PID file (src/scan/pid-files.ts reads them). */
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
  /** The port being freed: a later copy listening elsewhere is a parallel instance, not a restart. */
  port: number;
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

type ServiceVerdict =
  /** A PID file of the service names the instance: it is the current one. */
  | { kind: "current"; reason: string; file?: string }
  | { kind: "older"; reason: string; instance: ProcessInfo; service: Service }
  | { kind: "undecided"; reason: string };

/** How much later than an instance's start a PID file must be written to say "started again". */
const RESTART_MARGIN_MS = 60_000;

/** null: the service is not about this process. */
function serviceVerdict(
  p: ProcessInfo,
  service: Service,
  input: StaleInput,
  lookup: Lookup,
): ServiceVerdict | null {
  const instance = instanceRoot(p, service, lookup);
  if (!instance) return null;
  const name = `service ${service.name}`;
  const root = instance.pid === p.pid ? "it" : `its instance (pid ${instance.pid})`;
  const files = input.pidFiles.get(service.name) ?? [];
  const tracking = files.find((f) => f.pid !== null && namesInstance(f.pid, instance, lookup));
  if (tracking)
    return {
      kind: "current",
      file: tracking.path,
      reason: `${name}: ${tracking.path} names ${root}: the current instance`,
    };

  // single_instance: a later copy of the very same command, by the same user, is the one that
  // should run. Anything less (another argv, a pager on its log, the agent's own command line)
  // is no evidence.
  const instances = serviceInstances(service, input.snapshot, lookup);
  const inside = subtree(instance, input.snapshot);
  if (service.singleInstance) {
    const lineage = agentLineage(input.snapshot.selfPid, lookup);
    const newer = instances.find(
      (q) =>
        q.startTicks > instance.startTicks &&
        q.uid === instance.uid &&
        !lineage.has(q.pid) &&
        !inside.has(q.pid) &&
        q.state !== "T" &&
        q.state !== "t" &&
        forkedCopy(q, instance) &&
        // A copy serving another port is a parallel instance (PORT from the environment, a
        // template unit), not a restart; one whose sockets are unknown proves nothing.
        q.listening !== undefined &&
        q.listening.every((l) => l.port === input.port),
    );
    if (newer) {
      return {
        kind: "older",
        instance,
        service,
        reason: `${name} (single_instance): ${root} is an older instance; pid ${newer.pid}, the same command started after it (age ${formatDuration(newer.ageMs)}) and listening on no other port, is running`,
      };
    }
  }

  // The incident: the stop script lost the PID file, the new start wrote its own and died on
  // EADDRINUSE. The service's own PID file (a path written without wildcards: a glob may catch
  // other services' files), written well after this instance started and naming a pid that is
  // not running, says this one is the older.
  const startedAtMs = input.snapshot.takenAtMs - instance.ageMs;
  const literal = new Set(service.pidFiles.filter((path) => !/[*?[]/.test(path)));
  const startedAt = (q: ProcessInfo) => input.snapshot.takenAtMs - q.ageMs;
  const later = files.find((f) => {
    if (!literal.has(f.path) || f.pid === null || f.mtimeMs === null) return false;
    if (f.mtimeMs < startedAtMs + RESTART_MARGIN_MS) return false;
    const named = lookup(f.pid);
    if (named !== undefined && named.state !== "Z") return false;
    // The start that wrote it may live on under another pid (a double fork, `echo $!` of an
    // intermediate): any instance started around or after the file's time means it did not die.
    const mtime = f.mtimeMs;
    return !instances.some(
      (q) => q.pid !== instance.pid && startedAt(q) >= mtime - RESTART_MARGIN_MS,
    );
  });
  if (later) {
    return {
      kind: "older",
      instance,
      service,
      reason: `${name}: ${root} is an older instance; ${later.path} was written ${formatDuration(input.snapshot.takenAtMs - later.mtimeMs!)} ago, after it started (age ${formatDuration(instance.ageMs)}), and names pid ${later.pid} (not running)`,
    };
  }
  return {
    kind: "undecided",
    reason: `${name}: nothing says ${root} is an older instance (${service.singleInstance ? "no later copy of the same command runs" : "single_instance is off"}; no PID file of the service written after it started names a start that died)`,
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

/** The agent and its ancestors: never an instance that makes another one "older". */
function agentLineage(selfPid: number, lookup: Lookup): Set<number> {
  const lineage = new Set<number>();
  for (let q = lookup(selfPid); q && !lineage.has(q.pid); q = lookup(q.ppid)) lineage.add(q.pid);
  lineage.add(selfPid);
  return lineage;
}

/**
 * The instance and its descendants in its own session (a daemon it started with setsid, or a
 * terminal session, is not part of it), minus what may never be killed; refused when the holder
 * or the instance may not be killed.
 */
function staleInstance(
  p: ProcessInfo,
  instance: ProcessInfo,
  service: Service,
  why: string,
  input: StaleInput,
  lookup: Lookup,
): Verdict {
  const refuse = (...more: string[]): Verdict => ({
    pid: p.pid,
    stale: false,
    reasons: [why, ...more],
  });
  const scope = [...subtree(instance, input.snapshot)]
    .map((pid) => lookup(pid)!)
    .filter((q) => q.pid === instance.pid || q.sid === instance.sid);
  // A process in it that some PID file names never gets here: that file vetoes the verdict
  // (judgeOne), since a PID file naming a process inside an instance names the instance.
  if (!scope.some((q) => q.pid === p.pid))
    return refuse(`but it (pid ${p.pid}) is in another session than its instance ${instance.pid}`);
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
      tree: false,
      maxKills: input.config.settings.maxKillsPerRun,
    },
  };
  const inInstance = `in instance ${instance.pid} of service ${service.name} (same session)`;
  const entries = killTargets(
    rule,
    scope.map((q) => ({ process: q, facts: q.pid === instance.pid ? [why] : [inInstance] })),
    {
      protection: buildProtection(input.snapshot.selfPid, input.config.protect, lookup),
      actor: input.actor,
      children: new Map(),
      killedThisRun: new Set(),
      spared,
    },
  );
  const blocking = spared.filter((s) => s.process.pid === p.pid || s.process.pid === instance.pid);
  if (blocking.length > 0 || !entries.some((e) => e.process.pid === p.pid)) {
    return refuse(
      ...blocking.map((s) => `but pid ${s.process.pid} may not be killed: ${s.reasons.join("; ")}`),
    );
  }
  if (entries.length > input.config.settings.maxKillsPerRun) {
    return refuse(
      `but its tree has ${entries.length} processes, over settings.max_kills_per_run (${input.config.settings.maxKillsPerRun})`,
    );
  }
  // Parts of the tree that may not be killed stay (and say so in the result); the holder goes.
  return { pid: p.pid, stale: true, reasons: [why], entries };
}

// One ppid → children index per snapshot, however many holders and services are judged on it.
const childrenIndex = new WeakMap<Snapshot, Map<number, ProcessInfo[]>>();

/** The pids of a process and all its descendants. */
function subtree(root: ProcessInfo, snapshot: Snapshot): Set<number> {
  let children = childrenIndex.get(snapshot);
  if (!children) {
    children = childrenByParent(snapshot.processes);
    childrenIndex.set(snapshot, children);
  }
  const pids = new Set<number>([root.pid]);
  const stack = [root.pid];
  while (stack.length > 0)
    for (const child of children.get(stack.pop()!) ?? [])
      if (!pids.has(child.pid)) {
        pids.add(child.pid);
        stack.push(child.pid);
      }
  return pids;
}
