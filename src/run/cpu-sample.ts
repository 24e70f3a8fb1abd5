// CPU for one run: since the previous run when there is one, else over an in-run sample that
// starts before the scan (so it costs only what is left of settings.cpu_sample once the scan,
// the plan and the kills have taken their time).
//
// When the sample waits (cpuTiming):
//   before-plan  a rule asks for the current value (`when: { cpu }`): the plan needs it, so the
//                run waits before it plans, as it must;
//   after-kills  only a threshold (thresholds.cpu) or `status` needs it: the run plans and sends
//                its signals first, and waits, if anything is left, before it alerts;
//   none         nothing needs it: no wait at all; the figure is over the run's own span.
import type { Config } from "../config/types.js";
import { cpuSince, usablePrevious, type CpuNow, type CpuState } from "../host/cpu.js";
import { readCpuCounters } from "../host/read-host.js";
import type { CpuMetrics } from "../host/types.js";
import type { RunMode } from "../report/run-report.js";
import { readProcText } from "../scan/read-file.js";
import type { RunContext } from "./context.js";

export function readCpuNow(ctx: RunContext): CpuNow | null {
  const reading = readCpuCounters(ctx.procRoot);
  if (!reading) return null;
  let bootId = "";
  try {
    bootId = readProcText(`${ctx.procRoot}/sys/kernel/random/boot_id`).trim();
  } catch {
    // Without a boot id a reboot is still caught: the counters go backwards (cpuPercent → null).
  }
  return { bootId, takenAtMs: ctx.clock.now(), counters: reading.counters, cores: reading.cores };
}

export type CpuTiming = "before-plan" | "after-kills" | "none";

export function cpuTiming(config: Config, mode: RunMode): CpuTiming {
  if (config.rules.some((r) => r.when?.cpu !== undefined)) return "before-plan";
  if (config.thresholds.cpu || mode === "status") return "after-kills";
  return "none";
}

export interface CpuReading {
  cpu: CpuMetrics | null;
  /** The counters read last: saved for the next run. */
  cpuNow: CpuNow | null;
  /** The previous run's state when the figures are since it (also the processes' CPU %). */
  sinceBase: CpuState | null;
  sampleWaitMs: number;
  /** The counters read before the scan, while the in-run sample may still wait (finishCpu). */
  before: CpuNow | null;
}

/**
 * `before`: the counters read before the scan; `previous`: the last run's saved state. Waits
 * for what is left of the sample only when `wait` (the plan needs the current value).
 */
export async function measureCpu(
  ctx: RunContext,
  config: Config,
  previous: CpuState | null,
  before: CpuNow | null,
  wait = true,
): Promise<CpuReading> {
  const wantsCurrentCpu = config.rules.some((r) => r.when?.cpu !== undefined);
  const cpuNow = readCpuNow(ctx);
  const sinceBase = previous && cpuNow && usablePrevious(previous, cpuNow) ? previous : null;
  if (sinceBase && cpuNow && !wantsCurrentCpu) {
    const cpu = cpuSince(sinceBase.counters, cpuNow, sinceBase.takenAtMs, "previous-run");
    // The previous counters gave nothing (no tick between, or they were bad): an in-run sample.
    if (cpu) return { cpu, cpuNow, sinceBase, sampleWaitMs: 0, before: null };
  }
  const reading: CpuReading = {
    cpu: before && cpuNow ? cpuSince(before.counters, cpuNow, before.takenAtMs, "sample") : null,
    cpuNow,
    sinceBase,
    sampleWaitMs: 0,
    before,
  };
  return wait ? finishCpu(ctx, config, reading) : reading;
}

/** The in-run sample's wait, if any is left of settings.cpu_sample, and its figure. */
export async function finishCpu(
  ctx: RunContext,
  config: Config,
  reading: CpuReading,
): Promise<CpuReading> {
  const { before } = reading;
  if (!before) return reading;
  const remaining = config.settings.cpuSampleMs - (ctx.clock.now() - before.takenAtMs);
  const wait = ctx.deadline.bound(remaining);
  if (wait <= 0) return { ...reading, before: null };
  await ctx.clock.sleep(wait);
  const cpuNow = readCpuNow(ctx) ?? reading.cpuNow;
  const cpu = cpuNow ? cpuSince(before.counters, cpuNow, before.takenAtMs, "sample") : null;
  return {
    cpu: cpu ?? reading.cpu,
    cpuNow,
    sinceBase: reading.sinceBase,
    sampleWaitMs: reading.sampleWaitMs + wait,
    before: null,
  };
}
