// `cleanup port N [--free]`: who holds a port, and, with --free, kill the holders only when every
// one of them is stale by the rules (see rules/stale.ts). Nothing here decides dry-run: the
// session does. Returns a report; the CLI maps its outcome to the exit code.
import type { Config, Rule } from "../config/types.js";
import { needsWholeTable } from "../rules/conditions/registry.js";
import type { Lookup } from "../rules/match.js";
import { findAdopters } from "../rules/orphans.js";
import { killCandidates, plan, ref } from "../rules/plan.js";
import type { Actor, PlanEntry } from "../rules/plan-types.js";
import { instanceRoot } from "../services/instances.js";
import { judgeHolders, type Verdict } from "../services/stale.js";
import type { PortProto, PortReport } from "../report/port-report.js";
import { createContext, type ContextOptions } from "../run/context.js";
import { readPidFiles, scanProcesses } from "../run/measure.js";
import { open } from "../run/open.js";
import { readListenerTable } from "../scan/listeners.js";
import { findSocketHolders } from "../scan/socket-holders.js";
import { ScanError, type Listener, type ProcessInfo, type Snapshot } from "../scan/types.js";

export interface PortOptions extends Pick<ContextOptions, "procRoot" | "kill" | "clock"> {
  configPath: string;
  /** --allow-untrusted-config (see loadConfigFile). */
  allowUntrustedConfig?: boolean;
  port: number;
  /** Both when empty. */
  protos: PortProto[];
  free: boolean;
  dryRun: boolean;
  stateDir?: string;
}

export async function portCommand(options: PortOptions): Promise<PortReport> {
  const protos: PortProto[] = options.protos.length > 0 ? options.protos : ["tcp", "udp"];
  const onPort = (l: Listener): boolean =>
    l.port === options.port && protos.some((proto) => l.proto.startsWith(proto));
  const live = options.free && !options.dryRun;
  // Opened as a run is, without a deadline: an interactive command the operator can stop.
  const opened = open(createContext(options), { ...options, live, deadline: false });
  const { ctx, config } = opened;
  const { actor } = ctx.who;
  const report: PortReport = {
    port: options.port,
    protos,
    configFile: config.file,
    actor,
    outcome: "shown",
    dryRun: !live,
    holders: [],
    uninspectable: [],
    refusal: [],
    targets: [],
    results: [],
    remaining: [],
    auditLog: null,
  };
  if (opened.kind === "busy") return { ...report, outcome: "busy", lockHolder: opened.holder };
  const { session } = opened;
  try {
    report.auditLog = session.auditPath;
    // The socket tables first: when no socket of this namespace is on the port, nothing can
    // hold it, and the answer needs no process read at all (no stat, no fd listing).
    const onThePort = readTable(ctx.procRoot).filter(onPort);
    if (onThePort.length === 0) {
      return options.free ? { ...report, outcome: "already-free" } : report;
    }
    const pidFiles = readPidFiles(config);
    // The holders first: one pass over every process's fds (readdir and readlink, as `ss -p`),
    // nothing else read of any process. Any process may hold the port, and every holder is
    // found: a socket shared by forked workers is held by each.
    const pass = findSocketHolders(ctx.procRoot, new Set(onThePort.map((l) => l.inode)));
    // Then the holders and their ancestors in detail, the scan's socket join (with its network
    // namespace check) on those few, and the judgement, when it needs no other process.
    let snapshot = scanProcesses(ctx, config, {
      lineages: { pids: pass.holders, statOfAll: config.rules.some(wholeTableCondition) },
      wantListeners: true,
      socketInodes: pass.sockets,
    });
    const seen = (s: Snapshot): ProcessInfo[] =>
      s.processes.filter((p) => p.listening?.some(onPort));
    if (judgedBeyondLineages(snapshot, config, seen(snapshot))) {
      // A rule's budget counts every process it takes, a tree goes with its root, a service's
      // instances are judged against each other: every process in detail, as before the
      // holders were known (their fds are not read again).
      snapshot = scanProcesses(ctx, config, {
        everyProcess: true,
        wantListeners: true,
        socketInodes: pass.sockets,
      });
    }
    // Without the tables nothing would be seen on the port: "free" would be a guess.
    if (!snapshot.listeners) throw tableError(ctx.procRoot, snapshot.listenersProblem);
    const holders = seen(snapshot);
    const held = new Set(holders.flatMap((p) => p.listening!.filter(onPort).map((l) => l.inode)));
    report.uninspectable = snapshot.listeners.filter((l) => onPort(l) && !held.has(l.inode));
    // No host metrics here: rules with `when` do not apply (the verdict says so).
    const thePlan = plan(snapshot, config, actor, {});
    const verdicts = judgeHolders(
      { snapshot, config, actor, plan: thePlan, pidFiles, port: options.port },
      holders.map((p) => p.pid),
    );
    const byPid = new Map(snapshot.processes.map((p) => [p.pid, p]));
    const adopters = findAdopters(snapshot.processes, config.settings, (pid) => byPid.get(pid));
    report.holders = holders.map((p, i) => ({
      process: ref(p),
      listeners: p.listening!.filter(onPort),
      parent: {
        pid: p.ppid,
        comm: byPid.get(p.ppid)?.comm ?? null,
        orphaned: adopters.adopts(p.ppid),
        fact: adopters.describe(p.ppid),
      },
      verdict: { stale: verdicts[i]!.stale, reasons: verdicts[i]!.reasons },
    }));
    report.refusal = refusalReasons(verdicts, report.uninspectable, actor);
    const entries = uniqueEntries(verdicts);
    // Shown as well without --free: what --free would kill (an instance's tree, not only the holder).
    if (report.refusal.length === 0) report.targets = entries.map((e) => e.process);
    if (!options.free) return report;

    if (holders.length === 0 && report.uninspectable.length === 0) {
      return { ...report, outcome: "already-free" };
    }
    // Each verdict keeps within the budget on its own; together they must too.
    const budget = config.settings.maxKillsPerRun;
    if (entries.length > budget) {
      report.refusal.push(
        `freeing the port would kill ${entries.length} processes, over settings.max_kills_per_run (${budget})`,
      );
    }
    if (report.refusal.length > 0) return { ...report, outcome: "refused", targets: [] };

    report.results = await session.execute(entries);
    if (session.dryRun) return { ...report, outcome: "would-free" };
    // Processes were signalled: a failed re-read must not end the run in an error, nor claim
    // the port is free.
    try {
      report.remaining = readListenerTable(ctx.procRoot).filter(onPort);
    } catch (error) {
      return {
        ...report,
        outcome: "still-held",
        remaining: [],
        checkProblem: `cannot check the port after the kills: ${(error as Error).message}`,
      };
    }
    return { ...report, outcome: report.remaining.length === 0 ? "freed" : "still-held" };
  } finally {
    session.close();
  }
}

/** A rule's conditions look beyond a process and its ancestors (a group's or session's leader). */
function wholeTableCondition(rule: Rule): boolean {
  return needsWholeTable(rule.conditions);
}

/**
 * Whether judging the holders needs processes other than theirs and their ancestors': a holder
 * a kill rule takes (before protection: the plan's budgets count every process the rule takes,
 * and a run's kills add up across rules), or takes with the tree of an ancestor, or a holder in
 * an instance of a service (its other instances, its tree, PID files). Otherwise each verdict
 * depends on the holder's own facts and its ancestors' only: what the rules spare it for, a
 * `parent` selector, the orphaned condition, protection (the agent's lineage is read too), a
 * rule not applied now. Conditions that look further (leaders) read every process's stat.
 */
function judgedBeyondLineages(
  snapshot: Snapshot,
  config: Config,
  holders: readonly ProcessInfo[],
): boolean {
  if (holders.length === 0) return false;
  const byPid = new Map(snapshot.processes.map((p) => [p.pid, p]));
  const lookup: Lookup = (pid) => byPid.get(pid);
  for (const service of config.services)
    if (holders.some((p) => instanceRoot(p, service, lookup) !== null)) return true;
  const taken = killCandidates(snapshot, config);
  if (taken.size === 0) return false;
  return holders.some((p) => {
    if (taken.has(p.pid)) return true;
    const seen = new Set<number>([p.pid]);
    for (let a = lookup(p.ppid); a && !seen.has(a.pid); a = lookup(a.ppid)) {
      seen.add(a.pid);
      if (taken.get(a.pid)?.some((rule) => rule.kill?.tree === true)) return true;
    }
    return false;
  });
}

/** The socket tables, or the ScanError that says they cannot be read. */
function readTable(procRoot: string): Listener[] {
  try {
    return readListenerTable(procRoot);
  } catch (error) {
    throw tableError(procRoot, (error as Error).message);
  }
}

function tableError(procRoot: string, problem: string | undefined): ScanError {
  return new ScanError(
    `cannot read the socket tables (${procRoot}/net/tcp, tcp6, udp, udp6): ${problem ?? "unknown reason"}`,
  );
}

function refusalReasons(verdicts: Verdict[], uninspectable: Listener[], actor: Actor): string[] {
  const reasons = verdicts
    .filter((v) => !v.stale)
    .map((v) => `pid ${v.pid} is not stale by the rules: ${v.reasons.join("; ")}`);
  if (uninspectable.length > 0) {
    reasons.push(
      `${uninspectable.length} socket${uninspectable.length === 1 ? "" : "s"} on the port belong to a process this run cannot inspect${actor.uid === 0 ? "" : " (run as root to see every process's sockets)"}`,
    );
  }
  return reasons;
}

function uniqueEntries(verdicts: Verdict[]): PlanEntry[] {
  const seen = new Set<number>();
  const entries: PlanEntry[] = [];
  for (const v of verdicts) {
    if (!v.stale) continue;
    for (const e of v.entries) {
      if (seen.has(e.process.pid)) continue;
      seen.add(e.process.pid);
      entries.push(e);
    }
  }
  return entries;
}
