// Host metrics: plain data, read at the edge (src/host/read-*.ts), judged by pure code
// (src/host/thresholds.ts). Every reading may be null: a kernel without PSI, a container
// without swap, a mount that did not answer.

export interface MemoryMetrics {
  totalBytes: number;
  /** MemAvailable: what can be allocated without swapping (not MemFree). */
  availableBytes: number;
  /** (total - available) / total, 0–100. */
  usedPercent: number;
}

export interface SwapMetrics {
  totalBytes: number;
  freeBytes: number;
  /** 0–100; 0 when there is no swap. */
  usedPercent: number;
}

/** The aggregate "cpu" line of /proc/stat, in clock ticks since boot. */
export interface CpuCounters {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  /** Sum of the fields above (guest time is already inside user/nice). */
  total: number;
}

export interface CpuMetrics {
  /** 100 - idle - iowait, over the interval, 0–100. */
  busyPercent: number;
  iowaitPercent: number;
  stealPercent: number;
  /** Where the interval comes from. */
  source: "previous-run" | "sample";
  intervalMs: number;
  cores: number;
}

export interface LoadMetrics {
  load1: number;
  load5: number;
  load15: number;
  cores: number;
  /** load1 / cores. */
  perCore1: number;
}

export interface DiskMetrics {
  mount: string;
  /** unknown: statfs failed or did not answer within the timeout. */
  status: "ok" | "unknown";
  error?: string;
  totalBytes?: number;
  availableBytes?: number;
  /** Like df: used / (used + available to unprivileged users), 0–100. */
  usedPercent?: number;
  inodesTotal?: number;
  inodesFree?: number;
  inodesUsedPercent?: number;
}

export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  totalUs: number;
}

export interface PressureMetrics {
  some: PressureLine;
  /** Absent for cpu on older kernels. */
  full?: PressureLine;
}

export interface HostMetrics {
  takenAtMs: number;
  memory: MemoryMetrics | null;
  swap: SwapMetrics | null;
  cpu: CpuMetrics | null;
  load: LoadMetrics | null;
  disks: DiskMetrics[];
  /** /proc/pressure/{cpu,memory,io}; null where the kernel has no PSI. */
  pressure: {
    cpu: PressureMetrics | null;
    memory: PressureMetrics | null;
    io: PressureMetrics | null;
  };
  /** How long reading them took, for the benchmark. */
  readMs: number;
}
