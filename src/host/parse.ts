// Parsers for the /proc files behind the host metrics. Text in, data out; null when the text is
// not what the kernel writes, so a fixture or a future format never turns into NaN downstream.
import type {
  CpuCounters,
  LoadMetrics,
  MemoryMetrics,
  PressureLine,
  PressureMetrics,
  SwapMetrics,
} from "./types.js";

const KIB = 1024;

/** Memory and swap from /proc/meminfo, whose "kB" is KiB. */
export function parseMeminfo(text: string): {
  memory: MemoryMetrics | null;
  swap: SwapMetrics | null;
} {
  const kib = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^([^:\s]+):\s+(\d+)(?: kB)?\s*$/.exec(line);
    if (match) kib.set(match[1] as string, Number(match[2]));
  }
  return { memory: memoryFrom(kib), swap: swapFrom(kib) };
}

function memoryFrom(kib: Map<string, number>): MemoryMetrics | null {
  const total = kib.get("MemTotal");
  if (total === undefined || total <= 0) return null;
  let available = kib.get("MemAvailable");
  if (available === undefined) {
    // MemAvailable exists since Linux 3.14. Before it, free + buffers + page cache is the usual
    // estimate; it overstates a little (not all of the cache can be dropped, shmem cannot).
    const free = kib.get("MemFree");
    if (free === undefined) return null;
    available = free + (kib.get("Buffers") ?? 0) + (kib.get("Cached") ?? 0);
  }
  // The estimate, or a container's faked meminfo, can exceed the total: not a negative usage.
  available = Math.min(available, total);
  return {
    totalBytes: total * KIB,
    availableBytes: available * KIB,
    usedPercent: percentOf(total - available, total),
  };
}

function swapFrom(kib: Map<string, number>): SwapMetrics | null {
  const total = kib.get("SwapTotal");
  const free = kib.get("SwapFree");
  if (total === undefined || free === undefined) return null;
  return {
    totalBytes: total * KIB,
    freeBytes: free * KIB,
    usedPercent: total === 0 ? 0 : percentOf(Math.max(0, total - free), total),
  };
}

/** The aggregate "cpu " line of /proc/stat (the per-CPU lines are "cpu0", "cpu1", …). */
export function parseCpuCounters(statText: string): CpuCounters | null {
  const line = lineStartingWith(statText, "cpu ");
  if (line === null) return null;
  const fields = line.slice(4).trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal [guest guest_nice]: steal came in 2.6.11.
  // guest and guest_nice are already counted in user and nice, so they stay out of the total.
  if (fields.length < CPU_FIELDS.length) return null;
  const counters: CpuCounters = { ...ZERO_COUNTERS };
  for (const [i, name] of CPU_FIELDS.entries()) {
    const value = parseCount(fields[i] ?? "");
    if (value === null) return null;
    counters[name] = value;
    counters.total += value;
  }
  return counters;
}

const CPU_FIELDS = [
  "user",
  "nice",
  "system",
  "idle",
  "iowait",
  "irq",
  "softirq",
  "steal",
] as const satisfies readonly (keyof CpuCounters)[];

const ZERO_COUNTERS: CpuCounters = {
  user: 0,
  nice: 0,
  system: 0,
  idle: 0,
  iowait: 0,
  irq: 0,
  softirq: 0,
  steal: 0,
  total: 0,
};

/** Online CPUs: the "cpuN" lines of /proc/stat (offline CPUs have none). */
export function countCores(statText: string): number {
  return statText.match(/^cpu\d+ /gm)?.length ?? 0;
}

/** Shares of the interval between two readings, 0–100; null if the total did not advance. */
export function cpuPercent(
  previous: CpuCounters,
  current: CpuCounters,
): { busyPercent: number; iowaitPercent: number; stealPercent: number } | null {
  const total = current.total - previous.total;
  // Zero: read twice within one tick. Negative: the host rebooted since the previous run.
  if (!(total > 0)) return null;
  // proc(5): iowait "may decrease in certain conditions" (it is an estimate, per CPU, that moves
  // when a task migrates), so a field's delta is clamped rather than trusted to be monotonic.
  const idle = Math.max(0, current.idle - previous.idle);
  const iowait = Math.max(0, current.iowait - previous.iowait);
  const steal = Math.max(0, current.steal - previous.steal);
  return {
    busyPercent: clampPercent(percentOf(total - idle - iowait, total)),
    iowaitPercent: clampPercent(percentOf(iowait, total)),
    stealPercent: clampPercent(percentOf(steal, total)),
  };
}

/** /proc/loadavg: "0.98 4.18 10.58 1/82 5634"; cores from countCores. */
export function parseLoadavg(text: string, cores: number): LoadMetrics | null {
  if (!Number.isInteger(cores) || cores <= 0) return null;
  const fields = text.trim().split(/\s+/);
  const load1 = parseDecimal(fields[0] ?? "");
  const load5 = parseDecimal(fields[1] ?? "");
  const load15 = parseDecimal(fields[2] ?? "");
  if (load1 === null || load5 === null || load15 === null) return null;
  return { load1, load5, load15, cores, perCore1: load1 / cores };
}

/**
 * /proc/pressure/{cpu,memory,io}:
 *   some avg10=0.12 avg60=0.30 avg300=0.25 total=123456
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
 * "full" is missing from cpu before Linux 5.13 (and is all zeros at the system level after).
 */
export function parsePressure(text: string): PressureMetrics | null {
  const someLine = lineStartingWith(text, "some ");
  const some = someLine === null ? null : parsePressureLine(someLine);
  if (some === null) return null;
  const fullLine = lineStartingWith(text, "full ");
  const full = fullLine === null ? null : parsePressureLine(fullLine);
  return full === null ? { some } : { some, full };
}

function parsePressureLine(line: string): PressureLine | null {
  const match = /^(?:some|full) avg10=(\S+) avg60=(\S+) avg300=(\S+) total=(\S+)\s*$/.exec(line);
  if (!match) return null;
  const avg10 = parseDecimal(match[1] ?? "");
  const avg60 = parseDecimal(match[2] ?? "");
  const avg300 = parseDecimal(match[3] ?? "");
  const totalUs = parseCount(match[4] ?? "");
  if (avg10 === null || avg60 === null || avg300 === null || totalUs === null) return null;
  return { avg10, avg60, avg300, totalUs };
}

function lineStartingWith(text: string, prefix: string): string | null {
  let start = 0;
  if (!text.startsWith(prefix)) {
    const at = text.indexOf(`\n${prefix}`);
    if (at < 0) return null;
    start = at + 1;
  }
  const end = text.indexOf("\n", start);
  return text.slice(start, end < 0 ? undefined : end);
}

// Number() accepts "", " ", "0x10" and "1e3": only the kernel's plain decimals pass here.
function parseCount(text: string): number | null {
  return /^\d+$/.test(text) ? Number(text) : null;
}

function parseDecimal(text: string): number | null {
  return /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : null;
}

/**
 * part / whole × 100 with a single rounding: the counts are integers, so 100 × part is exact and
 * 85 % comes out as 85, not 85.00000000000001, which matters to a threshold of 85.
 */
export function percentOf(part: number, whole: number): number {
  return (100 * part) / whole;
}

function clampPercent(value: number): number {
  return Math.min(100, Math.max(0, value));
}
