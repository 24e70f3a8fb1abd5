// Where a run stops at its deadline: a checkpoint before each stage that can be skipped whole.
import type { DeadlineStop, RunStage } from "../report/run-report.js";
import type { RunContext } from "./context.js";

/** Thrown at a checkpoint past the deadline; runOnce turns it into a "deadline" report. */
export class DeadlinePassed extends Error {
  constructor(readonly stage: RunStage) {
    super(`the run's deadline passed before ${stage}`);
  }
}

export function checkpoint(ctx: RunContext, stage: RunStage): void {
  if (ctx.deadline.passed()) throw new DeadlinePassed(stage);
}

const AFTER: Record<RunStage, string> = {
  scan: "the scan, the plan, every signal and every delivery",
  "host metrics": "host metrics, the plan, every signal and every delivery",
  plan: "the plan, every signal and every delivery",
  signals: "every signal and every delivery",
  delivery: "every delivery (queued notifications stay in the outbox)",
};

/**
 * Stopped before a stage: nothing of it or after it was done, so nothing is lost by not
 * alerting (no kill happened; what the plan would have said is found again next run).
 */
export function stopBefore(ctx: RunContext, stage: RunStage): DeadlineStop {
  return { limitMs: ctx.deadline.limitMs, stage, notDone: [AFTER[stage]] };
}
