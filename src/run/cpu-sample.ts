// CPU for one run: since the previous run when there is one, else over an in-run sample that
// spans the scan (so it costs only what is left of settings.cpu_sample), or when a rule asks for
// the current value (`when: { cpu }`).
import type { Config } from "../config/types.js";
import { cpuSince, usablePrevious, type CpuNow, type CpuState } from "../host/cpu.js";
import { readCpuCounters } from "../host/read-host.js";
import type { CpuMetrics } from "../host/types.js";
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

export interface CpuReading {
  cpu: CpuMetrics | null;
  /** The counters read last: saved for the next run. */
  cpuNow: CpuNow | null;
  /** The previous run's state when the figures are since it (also the processes' CPU %). */
  sinceBase: CpuState | null;
  sampleWaitMs: number;
}

/** `before`: the counters read before the scan; `previous`: the last run's saved state. */
export async function measureCpu(
  ctx: RunContext,
  config: Config,
  previous: CpuState | null,
  before: CpuNow | null,
): Promise<CpuReading> {
  let sampleWaitMs = 0;
  const wantsCurrentCpu = config.rules.some((r) => r.when?.cpu !== undefined);
  let cpuNow = readCpuNow(ctx);
  let cpu: CpuMetrics | null = null;
  const sinceBase = previous && cpuNow && usablePrevious(previous, cpuNow) ? previous : null;
  if (sinceBase && cpuNow && !wantsCurrentCpu) {
    cpu = cpuSince(sinceBase.counters, cpuNow, sinceBase.takenAtMs, "previous-run");
  } else if (before) {
    const remaining = config.settings.cpuSampleMs - (ctx.clock.now() - before.takenAtMs);
    const wait = ctx.deadline.bound(remaining);
    if (wait > 0) {
      await ctx.clock.sleep(wait);
      sampleWaitMs = wait;
      cpuNow = readCpuNow(ctx);
    }
    if (cpuNow) cpu = cpuSince(before.counters, cpuNow, before.takenAtMs, "sample");
  }
  // The previous counters gave nothing (no tick between, or they were bad): the scan's own span.
  if (cpu === null && before && cpuNow) {
    cpu = cpuSince(before.counters, cpuNow, before.takenAtMs, "sample");
  }
  return { cpu, cpuNow, sinceBase, sampleWaitMs };
}
