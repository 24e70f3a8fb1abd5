// The host part of a run report: metrics, thresholds judged, the largest processes.
import { z } from "zod";
import type { Resource } from "../../config/types.js";
import type { ThresholdResult } from "../../host/thresholds.js";
import type { GpuHolders } from "../../host/gpu-holders.js";
import type { ShmUsage } from "../../host/shm-usage.js";
import type { TopProcess } from "../../host/top.js";
import type { HostMetrics } from "../../host/types.js";
import { count } from "./process.js";
import type { Equals, Same } from "./same-type.js";

const pressureLine = z.strictObject({
  avg10: z.number(),
  avg60: z.number(),
  avg300: z.number(),
  totalUs: count(),
});
const pressure = z.strictObject({ some: pressureLine, full: pressureLine.optional() }).nullable();

const diskMetrics = z.strictObject({
  mount: z.string(),
  status: z.enum(["ok", "unknown"]),
  error: z.string().optional(),
  totalBytes: count().optional(),
  availableBytes: count().optional(),
  usedPercent: z.number().optional(),
  inodesTotal: count().optional(),
  inodesFree: count().optional(),
  inodesUsedPercent: z.number().optional(),
});

export const hostMetrics = z
  .strictObject({
    takenAtMs: z.number(),
    memory: z
      .strictObject({ totalBytes: count(), availableBytes: count(), usedPercent: z.number() })
      .nullable(),
    swap: z
      .strictObject({ totalBytes: count(), freeBytes: count(), usedPercent: z.number() })
      .nullable(),
    cpu: z
      .strictObject({
        busyPercent: z.number(),
        iowaitPercent: z.number(),
        stealPercent: z.number(),
        source: z.enum(["previous-run", "sample"]),
        intervalMs: z.number(),
        cores: count(),
      })
      .nullable(),
    load: z
      .strictObject({
        load1: z.number(),
        load5: z.number(),
        load15: z.number(),
        cores: count(),
        perCore1: z.number(),
      })
      .nullable(),
    disks: z.array(diskMetrics),
    pressure: z.strictObject({ cpu: pressure, memory: pressure, io: pressure }),
    readMs: z.number(),
  })
  .meta({ id: "HostMetrics" });

export const resource = z.enum(["memory", "swap", "cpu", "load", "disk"]);
export const level = z.enum(["ok", "warn", "critical", "unknown"]);

export const thresholdResult = z.strictObject({
  key: z.string(),
  resource,
  level,
  value: z.number().nullable(),
  unit: z.enum(["%", "per core"]),
  warn: z.number(),
  critical: z.number(),
  message: z.string(),
});

export const topProcess = z.strictObject({
  pid: count(),
  startTicks: count(),
  user: z.string().nullable(),
  comm: z.string(),
  argv: z.array(z.string()),
  argvTruncated: z.literal(true).optional(),
  argvBytes: count().optional(),
  ageMs: z.number(),
  rssBytes: count(),
  pssBytes: count().nullable(),
  cpuPercent: z.number().nullable(),
});

export const gpuHolders = z.strictObject({
  holders: z.array(
    z.strictObject({
      pid: count(),
      startTicks: count(),
      ppid: count(),
      user: z.string().nullable(),
      comm: z.string(),
      argv: z.array(z.string()),
      argvTruncated: z.literal(true).optional(),
      argvBytes: count().optional(),
      rssBytes: count(),
      ageMs: z.number(),
      devices: z.array(z.string()),
    }),
  ),
  checked: count(),
  skipped: count(),
  unreadable: count(),
});

export const shmUsage = z.strictObject({
  dir: z.string(),
  disk: diskMetrics,
  entries: count(),
  totalBytes: count(),
  truncated: z.boolean(),
  problem: z.string().optional(),
  largest: z.array(
    z.strictObject({
      path: z.string(),
      kind: z.enum(["file", "dir", "other"]),
      sizeBytes: count(),
      user: z.string(),
      ageMs: z.number(),
      holders: z.array(
        z.strictObject({
          pid: count(),
          how: z.enum(["fd", "map", "cwd", "socket"]),
          comm: z.string(),
          user: z.string().nullable(),
          argv: z.array(z.string()),
          argvTruncated: z.literal(true).optional(),
          argvBytes: count().optional(),
        }),
      ),
    }),
  ),
  holdersUnknown: z.array(z.strictObject({ pid: count(), reason: z.string() })),
});

export type Checks = [
  Same<Equals<z.infer<typeof hostMetrics>, HostMetrics>>,
  Same<Equals<z.infer<typeof resource>, Resource>>,
  Same<Equals<z.infer<typeof thresholdResult>, ThresholdResult>>,
  Same<Equals<z.infer<typeof topProcess>, TopProcess>>,
  Same<Equals<z.infer<typeof gpuHolders>, GpuHolders>>,
  Same<Equals<z.infer<typeof shmUsage>, ShmUsage>>,
];
