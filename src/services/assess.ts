// What a run finds about each tracked service: its instances, its PID files (ok, stale, reused,
// invalid), instances no PID file names, its health, and, once a probe has failed kill_after
// runs in a row, whether the process on the probe's port is stale by the rules. Pure: the reads
// and probes come in, the report and the kills to make go out.
import type { Config, Severity } from "../config/types.js";
import type { Lookup } from "../rules/match.js";
import { ref } from "../rules/plan.js";
import type { Actor, Plan, PlanEntry, ProcessRef } from "../rules/plan-types.js";
import { judgeHolders } from "./stale.js";
import type { Snapshot } from "../scan/types.js";
import type { HealthResult } from "./health.js";
import type { HealthState } from "./health-state.js";
import { serviceInstances } from "./instances.js";
import type { PidFileRead } from "../scan/pid-files.js";
import { classifyPidFiles, untrackedInstances, type PidFileFinding } from "./pid-files.js";

export type RemovalOutcome = "removed" | "would-remove" | "changed" | "alive" | "failed";

export interface PidFileEntry extends PidFileFinding {
  /** Set for a stale file of a service with remove_stale_pid_files. */
  removal?: { outcome: RemovalOutcome; detail: string };
}

export interface HolderVerdict {
  pid: number;
  command: ProcessRef;
  stale: boolean;
  reasons: string[];
}

export interface HealthReport extends HealthResult {
  /** Failed runs in a row, this one included (0 when healthy). */
  failures: number;
  killAfter?: number;
  /** Once failures reach kill_after: who listens on the URL's port, and whether it may go. */
  holders?: HolderVerdict[];
  /** Why nothing is killed although failures reached kill_after, when no holder verdict says it. */
  killNote?: string;
}

export interface ServiceReport {
  name: string;
  severity: Severity;
  instances: ProcessRef[];
  pidFiles: PidFileEntry[];
  untracked: ProcessRef[];
  health?: HealthReport;
}

export interface ServiceInput {
  snapshot: Snapshot;
  config: Config;
  actor: Actor;
  plan: Plan;
  pidFiles: ReadonlyMap<string, readonly PidFileRead[]>;
  health: ReadonlyMap<string, HealthResult>;
  previousHealth: HealthState | null;
  /** Kills the plan already makes this run (they count against max_kills_per_run first). */
  plannedKills: number;
}

export interface ServiceAssessment {
  reports: ServiceReport[];
  /** Stale holders of failing probes' ports (kill_after reached), with their trees. */
  kills: PlanEntry[];
}

export function assessServices(input: ServiceInput): ServiceAssessment {
  // Without services, no index of the whole table (10,000 entries at the benchmark's scale).
  if (input.config.services.length === 0) return { reports: [], kills: [] };
  const byPid = new Map(input.snapshot.processes.map((p) => [p.pid, p]));
  const lookup: Lookup = (pid) => byPid.get(pid);
  const planned = new Set(
    input.plan.entries.filter((e) => e.action === "kill").map((e) => e.process.pid),
  );
  const kills: PlanEntry[] = [];
  const reports = input.config.services.map((service): ServiceReport => {
    const reads = input.pidFiles.get(service.name) ?? [];
    const findings = classifyPidFiles(service, [...reads], input.snapshot, lookup);
    const instances = serviceInstances(service, input.snapshot, lookup);
    const report: ServiceReport = {
      name: service.name,
      severity: service.severity,
      instances: instances.map((p) => ref(p)),
      pidFiles: findings,
      untracked: untrackedInstances(service, instances, findings, lookup).map((p) => ref(p)),
    };
    const result = service.health && input.health.get(service.name);
    if (!service.health || !result) return report;
    const failed = result.status !== "healthy";
    const failures = failed ? (input.previousHealth?.services[service.name]?.failures ?? 0) + 1 : 0;
    const health: HealthReport = { ...result, failures };
    report.health = health;
    const killAfter = service.health.killAfter;
    if (killAfter === undefined) return report;
    health.killAfter = killAfter;
    if (failures < killAfter) return report;

    const port = urlPort(service.health.url);
    const holders = input.snapshot.processes.filter((p) =>
      p.listening?.some((l) => l.port === port && l.proto.startsWith("tcp")),
    );
    if (holders.length === 0) {
      // Only processes some rule or service selects are read in detail (and their sockets).
      const held = input.snapshot.listeners?.some(
        (l) => l.port === port && l.proto.startsWith("tcp"),
      );
      health.killNote = held
        ? `port ${port} is held by a process no kill rule or service selects: nothing is killed`
        : `nothing this run can inspect listens on port ${port}`;
      return report;
    }
    const verdicts = judgeHolders(
      {
        snapshot: input.snapshot,
        config: input.config,
        actor: input.actor,
        plan: input.plan,
        pidFiles: input.pidFiles,
        port,
      },
      holders.map((p) => p.pid),
    );
    // A socket on the port no detailed process holds (another user's, a child not read in
    // detail): killing the holders we see would not free the port. As `cleanup port --free`.
    const held = new Set(holders.flatMap((p) => p.listening!.map((l) => l.inode)));
    const unseen = (input.snapshot.listeners ?? []).filter(
      (l) => l.port === port && l.proto.startsWith("tcp") && !held.has(l.inode),
    );
    health.holders = verdicts.map((v) => ({
      pid: v.pid,
      command: ref(byPid.get(v.pid)!),
      stale: v.stale,
      reasons: v.reasons,
    }));
    if (unseen.length > 0) {
      health.killNote = `port ${port} is also held by ${unseen.length === 1 ? "a socket" : `${unseen.length} sockets`} of a process this run cannot inspect: nothing is killed`;
      return report;
    }
    // All or nothing, as `cleanup port --free`: a port half freed frees nothing.
    if (!verdicts.every((v) => v.stale)) {
      health.killNote = "not every process on the port is stale by the rules: nothing is killed";
      return report;
    }
    const entries: PlanEntry[] = [];
    for (const v of verdicts) {
      if (!v.stale) continue;
      for (const e of v.entries) {
        // Another kill this run already (the plan's, or another service probing the same port).
        const pid = e.process.pid;
        if (planned.has(pid) || [...kills, ...entries].some((x) => x.process.pid === pid)) continue;
        entries.push({
          ...e,
          rule: `health:${service.name}`,
          facts: [...e.facts, healthFact(health)],
        });
      }
    }
    const budget = input.config.settings.maxKillsPerRun - input.plannedKills - kills.length;
    if (entries.length > budget) {
      health.killNote = `killing ${entries.length} would exceed settings.max_kills_per_run (${budget} left this run): nothing is killed`;
      return report;
    }
    kills.push(...entries);
    return report;
  });
  return { reports, kills };
}

function healthFact(h: HealthReport): string {
  return `health probe failed ${h.failures} runs in a row (kill_after ${h.killAfter}): ${h.reason}`;
}

/** The URL's port, with the scheme's default. */
export function urlPort(url: string): number {
  const parsed = new URL(url);
  if (parsed.port) return Number(parsed.port);
  return parsed.protocol === "https:" ? 443 : 80;
}
