// Host metrics from /proc (or a fixture tree) and the configured mounts. Every metric is
// optional: a file that is missing or unreadable (no PSI, no swap, a container's partial /proc)
// leaves that metric null and the run goes on. Only the process table is mandatory.
import { availableParallelism } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import {
  countCores,
  cpuPercent,
  parseCpuCounters,
  parseLoadavg,
  parseMeminfo,
  parsePressure,
} from "./parse.js";
import { readProcText } from "../scan/read-file.js";
import { readDisks } from "./statfs.js";
import type {
  DiskMetrics,
  CpuCounters,
  CpuMetrics,
  HostMetrics,
  PressureMetrics,
} from "./types.js";

export interface HostReadOptions {
  /** "/proc", or a fixture tree. */
  procRoot: string;
  /** Wall clock, ms since epoch. */
  now: () => number;
  /** Monotonic ms, for readMs (default performance.now: the run passes its own clock). */
  monotonic?: () => number;
  /** Mount points to report on (statfs each, in a child process). */
  mounts: string[];
  statfsTimeoutMs: number;
  /**
   * Computed by the caller: the interval since the previous run's counters (kept in the state
   * directory), or a short sample when there are none.
   */
  cpu: CpuMetrics | null;
  /** Disk readings already started (a run's measure stage starts them before the scan); else they start here. */
  disks?: Promise<DiskMetrics[]>;
}

export async function readHostMetrics(options: HostReadOptions): Promise<HostMetrics> {
  const monotonic = options.monotonic ?? (() => performance.now());
  const started = monotonic();
  const takenAtMs = options.now();
  const root = options.procRoot;
  // The children start first, so their statfs runs while /proc is read.
  const disks = options.disks ?? readDisks(options.mounts, options.statfsTimeoutMs, root);

  const meminfo = readOptional(`${root}/meminfo`);
  const { memory, swap } = meminfo === null ? { memory: null, swap: null } : parseMeminfo(meminfo);
  const stat = readOptional(`${root}/stat`);
  const loadavg = readOptional(`${root}/loadavg`);
  // Without /proc/stat, the CPUs this process may run on are the next best count.
  const cores = (stat === null ? 0 : countCores(stat)) || availableParallelism();
  const load = loadavg === null ? null : parseLoadavg(loadavg, cores);
  const pressure = {
    cpu: readPressure(root, "cpu"),
    memory: readPressure(root, "memory"),
    io: readPressure(root, "io"),
  };

  return {
    takenAtMs,
    memory,
    swap,
    cpu: options.cpu,
    load,
    disks: await disks,
    pressure,
    readMs: monotonic() - started,
  };
}

/** The aggregate CPU counters and the number of online CPUs; null if /proc/stat is unusable. */
export function readCpuCounters(procRoot: string): { counters: CpuCounters; cores: number } | null {
  const text = readOptional(`${procRoot}/stat`);
  const counters = text === null ? null : parseCpuCounters(text);
  if (text === null || counters === null) return null;
  return { counters, cores: countCores(text) };
}

/**
 * CPU use over a short sample, for a first run (no previous counters) or a reboot since the last.
 * The counters move in clock ticks (10 ms at CLK_TCK 100) per CPU: 100 ms on 2 CPUs is about 20
 * ticks, so a sample this short is coarse, about 5 %.
 */
export async function sampleCpu(
  procRoot: string,
  ms: number,
  sleep: (ms: number) => Promise<void> = (ms) => delay(ms),
): Promise<CpuMetrics | null> {
  const first = readCpuCounters(procRoot);
  if (first === null) return null;
  const started = performance.now();
  await sleep(ms);
  const second = readCpuCounters(procRoot);
  if (second === null) return null;
  const percent = cpuPercent(first.counters, second.counters);
  if (percent === null) return null;
  return {
    ...percent,
    source: "sample",
    intervalMs: performance.now() - started,
    cores: second.cores || first.cores,
  };
}

/** Any failure, not only ENOENT, is "no such metric here": EACCES in a locked-down container too. */
function readOptional(path: string): string | null {
  try {
    return readProcText(path);
  } catch {
    return null;
  }
}

function readPressure(root: string, resource: "cpu" | "memory" | "io"): PressureMetrics | null {
  // Missing before Linux 4.20 or without CONFIG_PSI; EOPNOTSUPP on read when booted with psi=0.
  const text = readOptional(`${root}/pressure/${resource}`);
  return text === null ? null : parsePressure(text);
}
