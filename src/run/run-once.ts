// One run, as its stages: open (config, deadline, lock) → measure (scan, host metrics, CPU) →
// decide (the plan) → act (signals, PID files) → the CPU sample's wait, when only a threshold
// needs it (so the first signal never waits for it) → announce (alerts, delivery) → persist (state)
// → report. Every stage reads the one context: one clock, one /proc, one kill, one deadline.
// Returns a report; throws ConfigError, ScanError or StateDirError, which the CLI maps to exit
// codes. Nothing here exits.
import type { RunReport } from "../report/run-report.js";
import { StateFiles } from "../state/reader.js";
import { act } from "./act.js";
import { announce } from "./announce.js";
import { createContext, elapsedMs } from "./context.js";
import { decide } from "./decide.js";
import { leftInStoppedUnits } from "./left-in-units.js";
import { finishMeasure, gpuHolders, measure, shmUsage, topProcesses } from "./measure.js";
import { open } from "./open.js";
import { persist, persistStopped } from "./persist.js";
import { busyReport, outcomeOf, runReport, stoppedReport } from "./report.js";
import { DeadlinePassed, stopBefore } from "./stop.js";
import type { Run, RunOptions, Stages } from "./types.js";

export async function runOnce(options: RunOptions): Promise<RunReport> {
  const live = options.mode === "run";
  const opened = open(createContext(options), { ...options, live, deadline: true });
  if (opened.kind === "busy") return busyReport(opened, options.mode, elapsedMs(opened.ctx));
  const { ctx } = opened;
  const run: Run = {
    ...opened,
    mode: options.mode,
    live,
    state: new StateFiles(opened.stateDir, live, () => ctx.clock.now()),
    partial: {},
  };
  try {
    const early = await measure(run);
    const decided = await decide(run, early);
    const acted = await act(run, early, decided);
    // The CPU sample a threshold needs waits until the signals are sent (cpu-sample.ts).
    const measured = await finishMeasure(run, early);
    const top = topProcesses(run, measured);
    const gpu = gpuHolders(run, measured);
    const leftInUnits = await leftInStoppedUnits(run, measured);
    const shm = await shmUsage(run, measured);
    const announced = await announce(run, measured, decided, acted);
    const stages: Stages = {
      measured,
      decided,
      acted,
      top,
      gpuHolders: gpu,
      shm,
      leftInUnits,
      announced,
    };
    const durationMs = elapsedMs(ctx);
    const outcome = persist(run, stages, outcomeOf(run, stages), durationMs);
    return runReport(run, stages, outcome, durationMs);
  } catch (error) {
    if (!(error instanceof DeadlinePassed)) throw error;
    const stop = stopBefore(ctx, error.stage);
    const durationMs = elapsedMs(ctx);
    persistStopped(run, stop, durationMs);
    return stoppedReport(run, stop, durationMs);
  } finally {
    run.session.close();
  }
}
