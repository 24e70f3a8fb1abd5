// The report stage: the RunReport of a run that finished, stopped at its deadline or found the
// lock taken. Pure but for `status`, which also shows the previous acting run's record.
import { FAILED_OUTCOMES } from "../act/results.js";
import type { Config } from "../config/types.js";
import type {
  DeadlineStop,
  RunMode,
  RunOutcome,
  RunReport,
  ScanSummary,
} from "../report/run-report.js";
import type { Snapshot } from "../scan/types.js";
import { checkLastRun, LAST_RUN_FILE, LAST_RUN_VERSION, type LastRun } from "../state/last-run.js";
import { fromCheck } from "../state/shape.js";
import type { Opened } from "./open.js";
import type { Run, Stages } from "./types.js";

export function scanSummary(snapshot: Snapshot): ScanSummary {
  return {
    processes: snapshot.processes.length,
    detailed: snapshot.detailed,
    ...(snapshot.notDetailed !== undefined && { notDetailed: snapshot.notDetailed }),
    unreadable: snapshot.unreadable,
    scanMs: Math.round(snapshot.scanMs),
    takenAt: new Date(snapshot.takenAtMs).toISOString(),
  };
}

/** Before the state is saved: "attention" when a kill or a delivery failed or a rule was refused. */
export function outcomeOf(run: Run, { decided, acted, announced }: Stages): RunOutcome {
  if (announced.stop) return "deadline";
  const failed =
    acted.results.some((r) => FAILED_OUTCOMES.has(r.outcome)) ||
    decided.plan.refusals.length > 0 ||
    acted.fileResults.some((r) => r.outcome === "failed" || r.outcome === "partial") ||
    (decided.files?.plan.refusals.length ?? 0) > 0 ||
    announced.alerts.deliveries.some((d) => d.status === "failed");
  return failed || run.state.writeFailed ? "attention" : "ok";
}

type Common = Pick<
  RunReport,
  "mode" | "dryRun" | "configFile" | "stateDir" | "actor" | "results" | "stateProblems"
>;

function common(
  opened: Pick<Opened, "ctx" | "config" | "stateDir" | "warnings">,
  mode: RunMode,
  live: boolean,
): Common {
  return {
    mode,
    dryRun: !live,
    configFile: opened.config.file,
    stateDir: opened.stateDir,
    actor: opened.ctx.who.actor,
    results: [],
    stateProblems: [...opened.warnings],
  };
}

export function busyReport(
  opened: Extract<Opened, { kind: "busy" }>,
  mode: RunMode,
  durationMs: number,
): RunReport {
  return {
    ...common(opened, mode, mode === "run"),
    outcome: "busy",
    auditLog: null,
    lockHolder: opened.holder,
    durationMs,
  };
}

export function runReport(
  run: Run,
  stages: Stages,
  outcome: RunOutcome,
  durationMs: number,
): RunReport {
  const { measured, decided, acted, announced, top, gpuHolders, leftInUnits, shm } = stages;
  const { config, state } = run;
  const stop = announced.stop;
  return {
    ...common(run, run.mode, run.live),
    outcome,
    auditLog: run.session.auditPath,
    scan: run.partial.scan,
    host: measured.host,
    thresholds: measured.thresholds,
    plan: decided.decided,
    results: acted.results,
    alerts: announced.alerts,
    rules: rulesOf(config),
    ...(config.services.length > 0 && { services: decided.services.reports }),
    ...(top && { top }),
    ...(gpuHolders && { gpuHolders }),
    ...(leftInUnits && { leftInStoppedUnits: leftInUnits }),
    ...(shm && { shm }),
    ...(decided.files && { files: { ...decided.files, results: acted.fileResults } }),
    ...(run.mode === "status" && {
      lastRun: state.read<LastRun>(LAST_RUN_FILE, LAST_RUN_VERSION, fromCheck(checkLastRun)),
    }),
    stateProblems: [...run.warnings, ...state.problems],
    timings: {
      scanMs: Math.round(measured.snapshot.scanMs),
      hostMs: Math.round(measured.timings.hostMs),
      sampleWaitMs: Math.round(measured.timings.sampleWaitMs),
    },
    ...(stop && { deadline: stop }),
    durationMs,
  };
}

/** Stopped at a checkpoint: what the stages before it found. */
export function stoppedReport(run: Run, stop: DeadlineStop, durationMs: number): RunReport {
  return {
    ...common(run, run.mode, run.live),
    ...run.partial,
    outcome: "deadline",
    auditLog: run.session.auditPath,
    rules: rulesOf(run.config),
    stateProblems: run.state.problems,
    deadline: stop,
    durationMs,
  };
}

function rulesOf(config: Config): RunReport["rules"] {
  return config.rules.map((r) => ({ name: r.name, action: r.action }));
}
