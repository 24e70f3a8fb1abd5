// The services part of a run report: instances, PID files, health and stale probe holders.
import { z } from "zod";
import type { ServiceReport } from "../../services/assess.js";
import { count, processRef, severity } from "./process.js";
import type { Equals, Same } from "./same-type.js";

const pidFile = z.strictObject({
  service: z.string(),
  path: z.string(),
  kind: z.enum(["ok", "stale", "reused", "invalid", "unknown"]),
  pid: count().nullable(),
  process: processRef.optional(),
  detail: z.string(),
  removal: z
    .strictObject({
      outcome: z.enum(["removed", "would-remove", "changed", "alive", "failed"]),
      detail: z.string(),
    })
    .optional(),
});

const health = z.strictObject({
  url: z.string(),
  status: z.enum(["healthy", "unhealthy", "unreachable"]),
  httpStatus: count().nullable(),
  reason: z.string(),
  body: z.string().nullable(),
  values: z.array(z.strictObject({ label: z.string(), value: z.string().nullable() })),
  durationMs: z.number(),
  failures: count(),
  killAfter: count().optional(),
  holders: z
    .array(
      z.strictObject({
        pid: count(),
        command: processRef,
        stale: z.boolean(),
        reasons: z.array(z.string()),
      }),
    )
    .optional(),
  killNote: z.string().optional(),
});

export const serviceReport = z.strictObject({
  name: z.string(),
  severity,
  instances: z.array(processRef),
  pidFiles: z.array(pidFile),
  untracked: z.array(processRef),
  health: health.optional(),
});

export type Checks = [Same<Equals<z.infer<typeof serviceReport>, ServiceReport>>];
