// The port report (`cleanup port N --json`) as a zod schema, checked against PortReport; the
// document adds the format first and the exit code last (report/port.ts).
import { z } from "zod";
import { PORT_FORMAT } from "../formats.js";
import type { PortReport } from "../port-report.js";
import { actor, count, killResult, listener, lockHolder, processRef } from "./process.js";
import type { Equals, Same } from "./same-type.js";

export const portReport = z.strictObject({
  port: count(),
  protos: z.array(z.enum(["tcp", "udp"])),
  configFile: z.string(),
  actor,
  outcome: z.enum([
    "shown",
    "already-free",
    "freed",
    "would-free",
    "refused",
    "still-held",
    "busy",
  ]),
  dryRun: z.boolean(),
  holders: z.array(
    z.strictObject({
      process: processRef,
      listeners: z.array(listener),
      parent: z.strictObject({
        pid: count(),
        comm: z.string().nullable(),
        orphaned: z.boolean(),
        fact: z.string(),
      }),
      verdict: z.strictObject({ stale: z.boolean(), reasons: z.array(z.string()) }),
    }),
  ),
  uninspectable: z.array(listener),
  refusal: z.array(z.string()),
  targets: z.array(processRef),
  results: z.array(killResult),
  remaining: z.array(listener),
  checkProblem: z.string().optional(),
  lockHolder: lockHolder.optional(),
  auditLog: z.string().nullable(),
});

export const portDocument = z
  .strictObject({ format: z.literal(PORT_FORMAT), ...portReport.shape, exitCode: count() })
  .meta({ id: "PortReport", title: `cleanup port N --json (${PORT_FORMAT})` });

export type Checks = [Same<Equals<z.infer<typeof portReport>, PortReport>>];
