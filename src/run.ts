// One run: load config → lock → scan → host metrics → thresholds → plan → act → save state.
// Returns a report; throws ConfigError, ScanError or StateDirError, which the CLI maps to exit
// codes. Nothing here exits.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { LockHolder } from "./act/lock.js";
import { FAILED_OUTCOMES, KILLED_OUTCOMES, type KillResult } from "./act/results.js";
import { checkTrustedDir, startSession, type SessionOptions } from "./act/session.js";
import { loadConfigFile } from "./config/load.js";
import type { Action, Config } from "./config/types.js";
import { startDeadline } from "./shared/deadline.js";
import {
  CPU_STATE_FILE,
  CPU_STATE_VERSION,
  checkCpuState,
  cpuSince,
  cpuState,
  processCpuIndex,
  processCpuPercent,
  processCpuSinceScan,
  usablePrevious,
  type CpuNow,
  type CpuState,
} from "./host/cpu.js";
import { readCpuCounters, readHostMetrics } from "./host/read-host.js";
import { readDisks } from "./host/statfs.js";
import { evaluateThresholds, resourceLevels, type ThresholdResult } from "./host/thresholds.js";
import { readTopProcesses, type TopProcess } from "./host/top.js";
import type { CpuMetrics, HostMetrics } from "./host/types.js";
import { runAlerting, type AlertingReport } from "./alerts/alerting.js";
import { collectEvents, scanErrorEvent } from "./alerts/events.js";
import type { AlertEvent } from "./alerts/types.js";
import { scanNeeds } from "./rules/detail-filter.js";
import { plan } from "./rules/plan.js";
import type { Actor, Plan } from "./rules/plan-types.js";
import { parseStat } from "./scan/parse-stat.js";
import { readProcessTable } from "./scan/read-process-table.js";
import { ScanError, type Snapshot } from "./scan/types.js";
import { readProcText } from "./scan/read-file.js";
import { checkLastRun, LAST_RUN_FILE, LAST_RUN_VERSION, type LastRun } from "./state/last-run.js";
import { StateFiles } from "./state/reader.js";
import { fromCheck } from "./state/shape.js";
import { assessServices, type PidFileEntry, type ServiceReport } from "./services/assess.js";
import { probeAll } from "./services/health.js";
import {
  HEALTH_STATE_FILE,
  HEALTH_STATE_VERSION,
  checkHealthState,
  nextHealthState,
  type HealthState,
} from "./services/health-state.js";
import type { PidFileRead } from "./scan/pid-files.js";
import { serviceEvents } from "./services/service-events.js";
import { namedPids, readServicePidFiles } from "./scan/pid-files.js";

/** run: act; dry-run: plan only; status: plan only, and show the last run. */
export type RunMode = "run" | "dry-run" | "status";

export interface RunOptions {
  configPath: string;
  /** --allow-untrusted-config: read the rules file as root even if another user can write it. */
  allowUntrustedConfig?: boolean;
  mode: RunMode;
  /** --state-dir; else settings.state_dir; else the default for this user. */
  stateDir?: string;
  procRoot?: string;
  kill?: SessionOptions["kill"];
  /** Where the log sink writes (default stdout; the CLI passes stderr with --json). */
  logStream?: NodeJS.WritableStream;
  /** Told the run's deadline once the config is read (the daemon's backstop timer). */
  onDeadline?: (limitMs: number) => void;
  /** --textfile: checked like the state dir (as root, root's alone) before anything is done. */
  textfileDir?: string;
}

export type RunOutcome =
  /** Everything planned was done (or would be, in a dry run). */
  | "ok"
  /** Done, but something needs a person: a kill failed or a rule was over its budget. */
  | "attention"
  /** Another run holds the lock: this one did nothing. */
  | "busy"
  /** settings.run_deadline passed: the run stopped there (see RunReport.deadline). */
  | "deadline";

/** Where a run can stop at its deadline: each is checked before it starts. */
export type RunStage = "scan" | "host metrics" | "plan" | "signals" | "delivery";

/** Why a run stopped early: where, and what it left undone (for the report, audit and last run). */
export interface DeadlineStop {
  limitMs: number;
  stage: RunStage;
  notDone: string[];
}

export interface RunReport {
  outcome: RunOutcome;
  mode: RunMode;
  dryRun: boolean;
  configFile: string;
  stateDir: string;
  auditLog: string | null;
  actor: Actor;
  lockHolder?: LockHolder;
  scan?: {
    processes: number;
    detailed: number;
    unreadable: number;
    scanMs: number;
    takenAt: string;
  };
  host?: HostMetrics;
  thresholds?: ThresholdResult[];
  plan?: Plan;
  results: KillResult[];
  top?: TopProcess[];
  /** The previous acting run (status only). */
  lastRun?: LastRun | null;
  /** What was told (or, in a dry run, would be) and how each sink took it. */
  alerts?: AlertingReport;
  /** The rules in force, so metrics can say 0 for a rule that matched nothing. */
  rules?: { name: string; action: Action }[];
  /** Tracked services: instances, PID files, health. */
  services?: ServiceReport[];
  /** State files that could not be read (corrupt ones are set aside by live runs). */
  stateProblems: string[];
  /**
   * hostMs: what host monitoring adds to a run (CPU state read and write, metrics, thresholds,
   * top processes), not counting an in-run CPU sample's wait, which is sampleWaitMs.
   */
  timings?: { scanMs: number; hostMs: number; sampleWaitMs: number };
  /** Set when the run passed settings.run_deadline (outcome "deadline"). */
  deadline?: DeadlineStop;
  durationMs: number;
}

/** Thrown at a checkpoint past the deadline; runOnce turns it into a "deadline" report. */
class DeadlinePassed extends Error {
  constructor(readonly stage: RunStage) {
    super(`the run's deadline passed before ${stage}`);
  }
}

const AFTER: Record<RunStage, string> = {
  scan: "the scan, the plan, every signal and every delivery",
  "host metrics": "host metrics, the plan, every signal and every delivery",
  plan: "the plan, every signal and every delivery",
  signals: "every signal and every delivery",
  delivery: "every delivery (queued notifications stay in the outbox)",
};

export async function runOnce(options: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const procRoot = options.procRoot ?? "/proc";
  const live = options.mode === "run";
  const config = loadConfigFile(options.configPath, {
    allowUntrusted: options.allowUntrustedConfig === true,
  });
  // From the run's start: reading the config counts too.
  const deadline = startDeadline(config.settings.runDeadlineMs, () => performance.now(), started);
  options.onDeadline?.(config.settings.runDeadlineMs);
  const actor = currentActor(procRoot);
  const stateDir = options.stateDir ?? config.settings.stateDir ?? defaultStateDir(actor.uid);
  const trustPaths = config.settings.trustPaths;
  // A missing textfile dir is left to the textfile write, which says so.
  const textfileWarnings =
    options.textfileDir !== undefined && existsSync(options.textfileDir)
      ? checkTrustedDir(options.textfileDir, "textfile", { trustPaths })
      : [];
  const session = startSession({
    dryRun: !live,
    stateDir,
    procRoot,
    self: selfIdentity(procRoot),
    deadline,
    trustPaths,
    ...(options.kill && { kill: options.kill }),
  });
  const base = {
    mode: options.mode,
    dryRun: !live,
    configFile: config.file,
    stateDir,
    actor,
    results: [] as KillResult[],
    stateProblems: [...textfileWarnings, ...(session.kind === "ready" ? session.warnings : [])],
  };
  if (session.kind === "busy") {
    return {
      ...base,
      outcome: "busy",
      auditLog: null,
      lockHolder: session.holder,
      durationMs: performance.now() - started,
    };
  }
  // What is known so far, for a report cut short by the deadline.
  const partial: Partial<RunReport> = {};
  const state = new StateFiles(stateDir, live);
  const checkpoint = (stage: RunStage): void => {
    if (deadline.passed()) throw new DeadlinePassed(stage);
  };
  try {
    let hostStarted = performance.now();
    const previous = state.read<CpuState>(
      CPU_STATE_FILE,
      CPU_STATE_VERSION,
      fromCheck(checkCpuState),
    );
    const cpuBefore = readCpuNow(procRoot);
    // statfs children run while /proc is scanned (and are forked while the heap is still small).
    // PID files before the scan, so the pids they name are read in detail.
    const pidFiles = readServicePidFiles(config.services);
    const disks = readDisks(
      config.thresholds.disk?.mounts ?? [],
      deadline.bound(config.settings.statfsTimeoutMs),
      procRoot,
    );
    let hostMs = performance.now() - hostStarted;

    const alerting = (events: AlertEvent[], keepOpen?: (key: string) => boolean) =>
      runAlerting(events, {
        config,
        stateDir,
        live,
        state,
        now: new Date(),
        logStream: options.logStream ?? process.stdout,
        deadline,
        ...(keepOpen && { keepOpen }),
      });
    let snapshot: Snapshot;
    checkpoint("scan");
    try {
      const needs = scanNeeds(config, actor, namedPids(pidFiles));
      snapshot = readProcessTable({
        procRoot,
        selfPid: process.pid,
        now: () => Date.now(),
        ...needs,
        // kill_after judges the process on the probe's port.
        wantListeners:
          needs.wantListeners || config.services.some((s) => s.health?.killAfter !== undefined),
      });
    } catch (error) {
      // The config is good, so its sinks can say that the host cannot be watched.
      // Nothing else could be judged this run: every open alert stays open.
      if (error instanceof ScanError) await alerting([scanErrorEvent(error.message)], () => true);
      throw error;
    }
    partial.scan = scanSummary(snapshot);
    checkpoint("host metrics");

    // Probes start after the scan (a synchronous scan would eat their deadline) and run while
    // the CPU sample waits and the host is read.
    const probing = probeAll(
      config.services.flatMap((s) =>
        s.health
          ? [
              {
                name: s.name,
                check: { ...s.health, timeoutMs: deadline.bound(s.health.timeoutMs) },
              },
            ]
          : [],
      ),
      { userAgent: `cleanup/${packageVersion()}` },
    );

    // CPU: since the previous run when there is one, else over an in-run sample that spans the
    // scan (so it costs only what is left of settings.cpu_sample), or when a rule asks for the
    // current value (`when: { cpu }`).
    hostStarted = performance.now();
    let sampleWaitMs = 0;
    const wantsCurrentCpu = config.rules.some((r) => r.when?.cpu !== undefined);
    let cpuNow = readCpuNow(procRoot);
    let cpu: CpuMetrics | null = null;
    const sinceBase = previous && cpuNow && usablePrevious(previous, cpuNow) ? previous : null;
    if (sinceBase && cpuNow && !wantsCurrentCpu) {
      cpu = cpuSince(sinceBase.counters, cpuNow, sinceBase.takenAtMs, "previous-run");
    } else if (cpuBefore) {
      const remaining = config.settings.cpuSampleMs - (Date.now() - cpuBefore.takenAtMs);
      const wait = deadline.bound(remaining);
      if (wait > 0) {
        await sleep(wait);
        sampleWaitMs = wait;
        cpuNow = readCpuNow(procRoot);
      }
      if (cpuNow) cpu = cpuSince(cpuBefore.counters, cpuNow, cpuBefore.takenAtMs, "sample");
    }
    // The previous counters gave nothing (no tick between, or they were bad): the scan's own span.
    if (cpu === null && cpuBefore && cpuNow) {
      cpu = cpuSince(cpuBefore.counters, cpuNow, cpuBefore.takenAtMs, "sample");
    }

    const host = await readHostMetrics({
      procRoot,
      now: () => Date.now(),
      mounts: config.thresholds.disk?.mounts ?? [],
      statfsTimeoutMs: deadline.bound(config.settings.statfsTimeoutMs),
      cpu,
      disks,
    });
    const thresholds = evaluateThresholds(host, config.thresholds);
    hostMs += performance.now() - hostStarted - sampleWaitMs;
    partial.host = host;
    partial.thresholds = thresholds;
    checkpoint("plan");
    const thePlan = plan(snapshot, config, actor, resourceLevels(thresholds));
    const planKills = thePlan.entries.filter((e) => e.action === "kill");
    const previousHealth = state.read<HealthState>(
      HEALTH_STATE_FILE,
      HEALTH_STATE_VERSION,
      fromCheck(checkHealthState),
    );
    const health = await probing;
    const services = assessServices({
      snapshot,
      config,
      actor,
      plan: thePlan,
      pidFiles,
      health,
      previousHealth,
      plannedKills: planKills.length,
    });
    partial.plan = thePlan;
    checkpoint("signals");
    const results = await session.execute(
      services.kills.length > 0 ? [...planKills, ...services.kills] : planKills,
    );
    // What was decided this run: the rules' plan and the kills of failing probes' stale holders.
    const decided =
      services.kills.length > 0
        ? { ...thePlan, entries: [...thePlan.entries, ...services.kills] }
        : thePlan;
    // Past the deadline the executor left targets alive ("deadline"); from here on the run does
    // only what cannot wait: queue this run's notifications (delivered next run) and save state.
    const notDone = results
      .filter((r) => r.outcome === "deadline")
      .map((r) =>
        r.signals.length === 0
          ? `pid ${r.pid} (rule ${r.rule}) not signalled`
          : `no SIGKILL to pid ${r.pid} (rule ${r.rule}): ${r.signals.join(", ")} sent, its grace outlasted the run`,
      );
    let stoppedAt: RunStage | null = notDone.length > 0 ? "signals" : null;
    if (deadline.passed()) notDone.push("stale PID file removal");
    else removeStalePidFiles(services.reports, config, pidFiles, session);

    hostStarted = performance.now();
    const earlier = sinceBase ? processCpuIndex(sinceBase) : null;
    // Only `status` shows them: a run's report does not need the smaps_rollup reads.
    const top =
      options.mode === "status"
        ? readTopProcesses(snapshot.processes, config.settings.topProcesses, procRoot, (p) =>
            earlier && sinceBase
              ? processCpuPercent(earlier, sinceBase.takenAtMs, p, snapshot.takenAtMs)
              : processCpuSinceScan(
                  procRoot,
                  p,
                  snapshot.takenAtMs,
                  Date.now(),
                  snapshot.clockTicks,
                ),
          )
        : undefined;
    // A metric that cannot be read now is no recovery of its threshold alert.
    const unknown = new Set(
      thresholds.filter((t) => t.level === "unknown").map((t) => `threshold:${t.key}`),
    );
    const alerts = await alerting(
      [
        ...collectEvents({
          plan: decided,
          results: live ? results : [],
          thresholds,
        }),
        ...serviceEvents(services.reports),
      ],
      (key) => unknown.has(key),
    );
    for (const d of alerts.deliveries) {
      if (d.status === "failed" && deadline.passed()) {
        notDone.push(`delivery to sink ${d.sink}: ${d.notifications} kept in the outbox`);
        stoppedAt ??= "delivery";
      }
    }
    const stop: DeadlineStop | null = stoppedAt && {
      limitMs: deadline.limitMs,
      stage: stoppedAt,
      notDone,
    };

    const failed =
      results.some((r) => FAILED_OUTCOMES.has(r.outcome)) ||
      thePlan.refusals.length > 0 ||
      alerts.deliveries.some((d) => d.status === "failed");
    let outcome: RunOutcome = stop ? "deadline" : failed || state.writeFailed ? "attention" : "ok";
    const durationMs = performance.now() - started;
    if (live) {
      if (cpuNow) state.write(CPU_STATE_FILE, cpuState(cpuNow, snapshot.processes));
      // Probes cut short by the deadline say nothing about a service's health.
      if (!stop && (health.size > 0 || previousHealth))
        state.write(
          HEALTH_STATE_FILE,
          nextHealthState(
            previousHealth,
            // A service whose port holder kill_after just killed starts counting again: its
            // next instance gets kill_after runs of its own.
            new Map(
              [...health].map(([name, r]) => [
                name,
                r.status !== "healthy" &&
                  !results.some(
                    (k) => k.rule === `health:${name}` && KILLED_OUTCOMES.has(k.outcome),
                  ),
              ]),
            ),
            new Date(),
          ),
        );
      state.write(
        LAST_RUN_FILE,
        lastRunOf(outcome, results, decided, thresholds, durationMs, stop),
      );
      if (stop) session.recordDeadline(deadlineText(stop));
      if (state.writeFailed && !stop) outcome = "attention";
    }
    return {
      ...base,
      outcome,
      auditLog: session.auditPath,
      scan: partial.scan,
      host,
      thresholds,
      plan: decided,
      results,
      alerts,
      rules: config.rules.map((r) => ({ name: r.name, action: r.action })),
      ...(config.services.length > 0 && { services: services.reports }),
      ...(top && { top }),
      ...(options.mode === "status" && {
        lastRun: state.read<LastRun>(LAST_RUN_FILE, LAST_RUN_VERSION, fromCheck(checkLastRun)),
      }),
      stateProblems: [...base.stateProblems, ...state.problems],
      timings: {
        scanMs: Math.round(snapshot.scanMs),
        hostMs: Math.round(hostMs),
        sampleWaitMs: Math.round(sampleWaitMs),
      },
      ...(stop && { deadline: stop }),
      durationMs,
    };
  } catch (error) {
    if (!(error instanceof DeadlinePassed)) throw error;
    // Stopped before a stage: nothing of it or after it was done, so nothing is lost by not
    // alerting (no kill happened; what the plan would have said is found again next run).
    const stop: DeadlineStop = {
      limitMs: deadline.limitMs,
      stage: error.stage,
      notDone: [AFTER[error.stage]],
    };
    const durationMs = performance.now() - started;
    if (live) {
      state.write(
        LAST_RUN_FILE,
        lastRunOf("deadline", [], partial.plan ?? null, partial.thresholds ?? [], durationMs, stop),
      );
      session.recordDeadline(deadlineText(stop));
    }
    return {
      ...base,
      ...partial,
      outcome: "deadline",
      auditLog: session.auditPath,
      rules: config.rules.map((r) => ({ name: r.name, action: r.action })),
      stateProblems: state.problems,
      deadline: stop,
      durationMs,
    };
  } finally {
    session.close();
  }
}

/** One line for the audit log and the last-run state. */
export function deadlineText(stop: DeadlineStop): string {
  return `run deadline (${stop.limitMs} ms) passed before ${stop.stage}; not done: ${stop.notDone.join("; ")}`;
}

function scanSummary(snapshot: Snapshot): NonNullable<RunReport["scan"]> {
  return {
    processes: snapshot.processes.length,
    detailed: snapshot.detailed,
    unreadable: snapshot.unreadable,
    scanMs: Math.round(snapshot.scanMs),
    takenAt: new Date(snapshot.takenAtMs).toISOString(),
  };
}

function lastRunOf(
  outcome: RunOutcome,
  results: KillResult[],
  p: Plan | null,
  thresholds: ThresholdResult[],
  durationMs: number,
  stop: DeadlineStop | null = null,
): LastRun {
  return {
    version: LAST_RUN_VERSION,
    finishedAt: new Date().toISOString(),
    outcome,
    killed: results.filter((r) => KILLED_OUTCOMES.has(r.outcome)).length,
    failed: results.filter((r) => FAILED_OUTCOMES.has(r.outcome)).length,
    refusals: p?.refusals.length ?? 0,
    alerts: p?.entries.filter((e) => e.action === "alert").length ?? 0,
    thresholds: thresholds
      .filter((t) => t.level === "warn" || t.level === "critical")
      .map((t) => t.message),
    durationMs: Math.round(durationMs),
    ...(stop && { deadline: deadlineText(stop) }),
  };
}

/** Stale PID files of services with remove_stale_pid_files: the session removes them (or, dry, would). */
function removeStalePidFiles(
  reports: ServiceReport[],
  config: Config,
  pidFiles: ReadonlyMap<string, readonly PidFileRead[]>,
  session: { removePidFile(read: PidFileRead, service: string): PidFileEntry["removal"] },
): void {
  for (const report of reports) {
    const service = config.services.find((s) => s.name === report.name);
    if (!service?.removeStalePidFiles) continue;
    for (const finding of report.pidFiles) {
      if (finding.kind !== "stale") continue;
      const read = pidFiles.get(report.name)?.find((r) => r.path === finding.path);
      if (read) finding.removal = session.removePidFile(read, report.name);
    }
  }
}

function readCpuNow(procRoot: string): CpuNow | null {
  const reading = readCpuCounters(procRoot);
  if (!reading) return null;
  let bootId = "";
  try {
    bootId = readProcText(`${procRoot}/sys/kernel/random/boot_id`).trim();
  } catch {
    // Without a boot id a reboot is still caught: the counters go backwards (cpuPercent → null).
  }
  return { bootId, takenAtMs: Date.now(), counters: reading.counters, cores: reading.cores };
}

/** Checks the config only: nothing scanned, locked or written. */
export function checkConfig(configPath: string, allowUntrusted = false): Config {
  return loadConfigFile(configPath, { allowUntrusted });
}

export function defaultStateDir(uid: number): string {
  if (uid === 0) return "/var/lib/cleanup";
  const base = process.env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "cleanup");
}

const CAP_KILL = 5n;

/** Who we are: root or CAP_KILL may signal anyone; others only their own processes. */
export function currentActor(procRoot: string): Actor {
  const uid = process.geteuid?.() ?? 0;
  let mayKillAnyUser = uid === 0;
  try {
    const status = readProcText(`${procRoot}/self/status`);
    const capEff = /\nCapEff:\s*([0-9a-f]+)/.exec(status)?.[1];
    if (capEff) mayKillAnyUser = ((BigInt(`0x${capEff}`) >> CAP_KILL) & 1n) === 1n;
  } catch {
    // Without /proc/self/status fall back to "root may": kill(2) will still say EPERM if not.
  }
  return { uid, mayKillAnyUser };
}

export function selfIdentity(procRoot: string): LockHolder {
  let startTicks = 0;
  try {
    startTicks = parseStat(readProcText(`${procRoot}/self/stat`))?.startTicks ?? 0;
  } catch {
    startTicks = 0;
  }
  return { pid: process.pid, startTicks, since: new Date().toISOString() };
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}
