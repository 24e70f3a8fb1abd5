// The alerts part of a run report: what was told (or would be) and how each sink took it.
import { z } from "zod";
import type { AlertingReport } from "../../alerts/alerting.js";
import type { SinkType } from "../../sinks/registry.js";
import { count, severity } from "./process.js";
import type { Equals, Same } from "./same-type.js";

const sinkType = z.enum(["log", "email", "webhook", "alertmanager"]);

const notification = z.strictObject({
  id: z.string(),
  key: z.string(),
  status: z.enum(["firing", "resolved", "event"]),
  reminder: z.boolean(),
  severity,
  summary: z.string(),
  details: z.array(z.string()),
  labels: z.record(z.string(), z.string()),
  host: z.string(),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  createdAt: z.string(),
  supersedes: severity.optional(),
});

export const alertingReport = z.strictObject({
  notifications: z.array(notification),
  deliveries: z.array(
    z.strictObject({
      sink: z.string(),
      type: sinkType,
      status: z.enum(["sent", "failed", "idle"]),
      notifications: count(),
      dropped: count(),
      error: z.string().optional(),
    }),
  ),
  orphaned: z.record(z.string(), count()),
  outboxSaved: z.boolean().optional(),
  unsaved: z.record(z.string(), count()).optional(),
});

export type Checks = [
  Same<Equals<z.infer<typeof sinkType>, SinkType>>,
  Same<Equals<z.infer<typeof alertingReport>, AlertingReport>>,
];
