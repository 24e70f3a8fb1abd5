// The run report (`cleanup [--dry-run] --json`, `cleanup status --json`) as a zod schema, checked
// against RunReport; the document adds the format first and the exit code last (report/json.ts).
import { z } from "zod";
import { RUN_FORMAT } from "../formats.js";
import type { RunReport } from "../run-report.js";
import { alertingReport } from "./alerts.js";
import { gpuHolders, hostMetrics, shmUsage, thresholdResult, topProcess } from "./host.js";
import { plan } from "./plan.js";
import { filesReport } from "./files.js";
import { action, actor, count, killResult, lockHolder, processRef } from "./process.js";
import type { Equals, Same } from "./same-type.js";
import { serviceReport } from "./services.js";

const outcome = z.enum(["ok", "attention", "busy", "deadline"]);

const lastRun = z.strictObject({
  version: z.literal(1),
  finishedAt: z.string(),
  outcome,
  killed: count(),
  failed: count(),
  refusals: count(),
  alerts: count(),
  thresholds: z.array(z.string()),
  durationMs: z.number(),
  deadline: z.string().optional(),
});

export const runReport = z.strictObject({
  outcome,
  mode: z.enum(["run", "dry-run", "status"]),
  dryRun: z.boolean(),
  configFile: z.string(),
  stateDir: z.string(),
  auditLog: z.string().nullable(),
  actor,
  lockHolder: lockHolder.optional(),
  scan: z
    .strictObject({
      processes: count(),
      detailed: count(),
      notDetailed: count().optional(),
      unreadable: count(),
      scanMs: z.number(),
      takenAt: z.string(),
    })
    .optional(),
  host: hostMetrics.optional(),
  thresholds: z.array(thresholdResult).optional(),
  plan: plan.optional(),
  results: z.array(killResult),
  top: z.array(topProcess).optional(),
  gpuHolders: gpuHolders.optional(),
  shm: shmUsage.optional(),
  files: filesReport.optional(),
  leftInStoppedUnits: z
    .strictObject({
      processes: z.array(processRef),
      unitsChecked: count(),
      unknown: count(),
      inUserUnits: count(),
      problem: z.string().nullable(),
    })
    .optional(),
  lastRun: lastRun.nullable().optional(),
  alerts: alertingReport.optional(),
  rules: z.array(z.strictObject({ name: z.string(), action })).optional(),
  services: z.array(serviceReport).optional(),
  stateProblems: z.array(z.string()),
  timings: z
    .strictObject({ scanMs: z.number(), hostMs: z.number(), sampleWaitMs: z.number() })
    .optional(),
  deadline: z
    .strictObject({
      limitMs: z.number(),
      stage: z.enum(["scan", "host metrics", "plan", "signals", "delivery"]),
      notDone: z.array(z.string()),
    })
    .optional(),
  durationMs: z.number(),
});

/** What report/json.ts prints: the format first, the duration in whole ms, the exit code last. */
export const runDocument = z
  .strictObject({
    format: z.literal(RUN_FORMAT),
    ...runReport.shape,
    durationMs: count(),
    exitCode: count(),
  })
  .meta({ id: "RunReport", title: `cleanup --json, cleanup status --json (${RUN_FORMAT})` });

export type Checks = [Same<Equals<z.infer<typeof runReport>, RunReport>>];
