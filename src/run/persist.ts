// The persist stage, live runs only: the CPU counters for the next run's figures, the services'
// health streaks, the last-run record that `status` shows, and an audit line when the deadline
// cut the run short. A write that fails turns an "ok" run into "attention".
import { FAILED_OUTCOMES, KILLED_OUTCOMES, type KillResult } from "../act/results.js";
import { CPU_STATE_FILE, cpuState } from "../host/cpu.js";
import type { ThresholdResult } from "../host/thresholds.js";
import { deadlineText, type DeadlineStop, type RunOutcome } from "../report/run-report.js";
import type { Plan } from "../rules/plan-types.js";
import { HEALTH_STATE_FILE, nextHealthState } from "../services/health-state.js";
import { LAST_RUN_FILE, LAST_RUN_VERSION, type LastRun } from "../state/last-run.js";
import type { Run, Stages } from "./types.js";

/** Returns the outcome, "attention" if a state file could not be written. */
export function persist(
  run: Run,
  { measured, decided, acted, announced }: Stages,
  outcome: RunOutcome,
  durationMs: number,
): RunOutcome {
  if (!run.live) return outcome;
  const { state, ctx } = run;
  const { health, previousHealth } = decided;
  const { results } = acted;
  const { stop } = announced;
  if (measured.cpuNow)
    state.write(CPU_STATE_FILE, cpuState(measured.cpuNow, measured.snapshot.processes));
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
              !results.some((k) => k.rule === `health:${name}` && KILLED_OUTCOMES.has(k.outcome)),
          ]),
        ),
        new Date(ctx.clock.now()),
      ),
    );
  state.write(
    LAST_RUN_FILE,
    lastRunOf(run, outcome, results, decided.decided, measured.thresholds, durationMs, stop),
  );
  if (stop) run.session.recordDeadline(deadlineText(stop));
  return state.writeFailed && !stop ? "attention" : outcome;
}

/** A run stopped at a checkpoint: what it knew, and where it stopped. */
export function persistStopped(run: Run, stop: DeadlineStop, durationMs: number): void {
  if (!run.live) return;
  const { plan, thresholds } = run.partial;
  run.state.write(
    LAST_RUN_FILE,
    lastRunOf(run, "deadline", [], plan ?? null, thresholds ?? [], durationMs, stop),
  );
  run.session.recordDeadline(deadlineText(stop));
}

function lastRunOf(
  run: Run,
  outcome: RunOutcome,
  results: KillResult[],
  p: Plan | null,
  thresholds: ThresholdResult[],
  durationMs: number,
  stop: DeadlineStop | null,
): LastRun {
  return {
    version: LAST_RUN_VERSION,
    finishedAt: new Date(run.ctx.clock.now()).toISOString(),
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
