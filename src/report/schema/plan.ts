// The plan part of a run report: what the rules decided, what they spared and refused.
import { z } from "zod";
import { SPARE_CODES, type SpareCode } from "../../rules/match.js";
import type { Plan } from "../../rules/plan-types.js";
import { action, count, processRef, severity, signalName } from "./process.js";
import type { Equals, Same } from "./same-type.js";

export const spareCode = z.enum(SPARE_CODES);

export const planEntry = z
  .strictObject({
    action,
    rule: z.string(),
    severity,
    process: processRef,
    facts: z.array(z.string()),
    kill: z
      .strictObject({
        signal: signalName,
        graceMs: z.number().nonnegative(),
        treeOf: count().optional(),
      })
      .optional(),
  })
  .meta({ id: "PlanEntry" });

export const plan = z.strictObject({
  entries: z.array(planEntry),
  spared: z.array(
    z.strictObject({
      rule: z.string(),
      process: processRef,
      code: spareCode,
      reasons: z.array(z.string()),
    }),
  ),
  refusals: z.array(
    z.strictObject({
      rule: z.string(),
      scope: z.enum(["rule", "run"]),
      wouldKill: count(),
      budget: count(),
      severity,
      message: z.string(),
    }),
  ),
  inactive: z.array(z.strictObject({ rule: z.string(), reason: z.string() })),
});

export type Checks = [
  Same<Equals<z.infer<typeof spareCode>, SpareCode>>,
  Same<Equals<z.infer<typeof plan>, Plan>>,
];
