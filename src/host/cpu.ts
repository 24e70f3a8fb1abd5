// CPU % for a one-shot run, without sleeping for seconds: since the previous run, from counters
// saved in the state directory; per process the same way, for the same (pid, start time).
import { parseStat } from "../scan/parse-stat.js";
import { readProcTextIfPresent } from "../scan/read-file.js";
import type { ProcessInfo } from "../scan/types.js";
import { isNumber, isRecord, isString } from "../state/shape.js";
import { cpuPercent } from "./parse.js";
import type { CpuCounters, CpuMetrics } from "./types.js";

export const CPU_STATE_FILE = "cpu.json";
export const CPU_STATE_VERSION = 1;

/** An hourly timer or a 30-minute cron line is well inside this; a week-old sample is not "current". */
export const MAX_PREVIOUS_AGE_MS = 6 * 3_600_000;

export interface CpuState {
  version: typeof CPU_STATE_VERSION;
  /** /proc/sys/kernel/random/boot_id: counters restart at boot. */
  bootId: string;
  takenAtMs: number;
  counters: CpuCounters;
  /** [pid, start time, CPU ms] of every process seen. */
  processes: [number, number, number][];
}

const COUNTERS = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "total"];

export function checkCpuState(data: unknown): string | null {
  const d = data as Partial<CpuState>;
  if (!isString(d.bootId)) return "bootId missing";
  if (!isNumber(d.takenAtMs)) return "takenAtMs missing";
  const counters = d.counters as unknown;
  if (!isRecord(counters) || !COUNTERS.every((k) => isNumber(counters[k])))
    return "counters missing";
  if (!Array.isArray(d.processes)) return "processes missing";
  const bad = d.processes.findIndex(
    (p: unknown) => !Array.isArray(p) || p.length !== 3 || !p.every(isNumber),
  );
  if (bad >= 0) return `processes[${bad}] is not [pid, start time, CPU ms]`;
  return null;
}

export interface CpuNow {
  bootId: string;
  takenAtMs: number;
  counters: CpuCounters;
  cores: number;
}

/** Whether the previous run's counters can give this run's CPU %. */
export function usablePrevious(previous: CpuState | null, now: CpuNow): previous is CpuState {
  return (
    previous !== null &&
    previous.bootId === now.bootId &&
    now.takenAtMs > previous.takenAtMs &&
    now.takenAtMs - previous.takenAtMs <= MAX_PREVIOUS_AGE_MS
  );
}

export function cpuSince(
  earlier: CpuCounters,
  now: CpuNow,
  earlierMs: number,
  source: CpuMetrics["source"],
): CpuMetrics | null {
  const percent = cpuPercent(earlier, now.counters);
  if (!percent) return null;
  return {
    ...percent,
    source,
    intervalMs: Math.round(now.takenAtMs - earlierMs),
    cores: now.cores,
  };
}

export function cpuState(now: CpuNow, processes: readonly ProcessInfo[]): CpuState {
  return {
    version: CPU_STATE_VERSION,
    bootId: now.bootId,
    takenAtMs: now.takenAtMs,
    counters: now.counters,
    processes: processes.map((p) => [p.pid, p.startTicks, p.cpuMs]),
  };
}

/** CPU % of one process since `earlier` (same pid and start time), 100 = one full core. */
export function processCpuPercent(
  earlier: ReadonlyMap<string, number>,
  earlierMs: number,
  p: ProcessInfo,
  nowMs: number,
): number | null {
  const before = earlier.get(`${p.pid}:${p.startTicks}`);
  if (before === undefined || nowMs <= earlierMs || p.cpuMs < before) return null;
  return ((p.cpuMs - before) / (nowMs - earlierMs)) * 100;
}

/** Shorter intervals than this give a figure too coarse to show (CPU time moves in 10 ms ticks). */
export const MIN_PROCESS_INTERVAL_MS = 100;

/**
 * Without a previous run: CPU % of a process between the scan and now (the in-run CPU sample's
 * wait lies in between), from a fresh read of its stat; null if it is gone, reused or too soon.
 */
export function processCpuSinceScan(
  procRoot: string,
  p: ProcessInfo,
  scannedAtMs: number,
  nowMs: number,
  clockTicks: number,
): number | null {
  const intervalMs = nowMs - scannedAtMs;
  if (intervalMs < MIN_PROCESS_INTERVAL_MS) return null;
  let text: string | null;
  try {
    text = readProcTextIfPresent(`${procRoot}/${p.pid}/stat`);
  } catch {
    return null;
  }
  const now = text === null ? null : parseStat(text);
  if (!now || now.startTicks !== p.startTicks) return null;
  const cpuMs = ((now.utimeTicks + now.stimeTicks) * 1000) / clockTicks;
  return Math.max(0, ((cpuMs - p.cpuMs) / intervalMs) * 100);
}

export function processCpuIndex(state: CpuState): Map<string, number> {
  return new Map(state.processes.map(([pid, start, cpu]) => [`${pid}:${start}`, cpu]));
}
