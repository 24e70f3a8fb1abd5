// The explain report (`cleanup explain PID… --json`) as a zod schema, checked against
// ExplainReport and the verdict types it is built from; the document adds the format first and
// the exit code last (commands/explain.ts).
import { z } from "zod";
import { LEADER_STANDINGS } from "../../config/conditions/leader.js";
import { CONDITION_KEYS } from "../../config/conditions/registry.js";
import type { SelectorField } from "../../config/types.js";
import type { Level } from "../../host/thresholds.js";
import type {
  ConditionVerdict,
  Explanation,
  FieldVerdict,
  LeaderFacts,
  ParentFacts,
  ProtectionVerdict,
  RuleVerdict,
} from "../../rules/explain.js";
import { FIELDS } from "../../rules/selectors/registry.js";
import type { Membership } from "../../services/membership.js";
import type { ExplainReport } from "../explain.js";
import { EXPLAIN_FORMAT } from "../formats.js";
import { level, resource } from "./host.js";
import { spareCode } from "./plan.js";
import { action, actor, count, listener, processRef } from "./process.js";
import type { Equals, Same } from "./same-type.js";

const fieldVerdict = z.strictObject({
  // The matcher's order, from the selectors registry: a selector added there is named here too.
  field: z.enum(FIELDS as [SelectorField, ...SelectorField[]]),
  matched: z.boolean(),
  detail: z.string(),
});

const conditionVerdict = z.strictObject({
  condition: z.enum(CONDITION_KEYS),
  held: z.boolean(),
  detail: z.string(),
});

const ruleVerdict = z.strictObject({
  rule: z.string(),
  action,
  outcome: z.enum(["acts", "spared", "not-matched", "inactive", "taken"]),
  code: spareCode.optional(),
  reasons: z.array(z.string()),
  treeOf: count().optional(),
  selector: z.array(fieldVerdict),
  conditions: z.array(conditionVerdict),
});

const protectionVerdict = z.strictObject({
  reason: z.string().nullable(),
  builtIn: z.string().nullable(),
  entries: z.array(
    z.strictObject({
      index: count(),
      outcome: z.enum(["matches", "cannot-check", "no-match"]),
      detail: z.string(),
    }),
  ),
});

const parentFacts = z.strictObject({
  pid: count(),
  comm: z.string().nullable(),
  orphaned: z.boolean(),
  fact: z.string(),
});

const leaderFacts = z.strictObject({
  standing: z.enum([...LEADER_STANDINGS, "unknown"]),
  leader: z.number().int(),
  leaderComm: z.string().nullable(),
  fact: z.string(),
});

const membership = z.strictObject({
  service: z.string(),
  role: z.enum(["instance", "member", "pid-file"]),
  instance: count().nullable(),
  pidFiles: z.array(z.string()),
});

/** One found process as rules/explain.ts explains it; the report adds its services. */
const explanation = z.strictObject({
  pid: count(),
  process: processRef,
  unevaluated: z.string().nullable(),
  parent: parentFacts,
  group: leaderFacts,
  session: leaderFacts,
  listening: z.array(listener).nullable(),
  protection: protectionVerdict,
  rules: z.array(ruleVerdict),
});

// `found` tells the two apart: a pid that is no such process has nothing else.
const explainedProcess = z.discriminatedUnion("found", [
  z.strictObject({ pid: count(), found: z.literal(false) }),
  z.strictObject({ ...explanation.shape, found: z.literal(true), services: z.array(membership) }),
]);

export const explainReport = z.strictObject({
  outcome: z.enum(["explained", "missing"]),
  configFile: z.string(),
  actor,
  scannedAt: z.string(),
  levels: z.partialRecord(resource, level).nullable(),
  processes: z.array(explainedProcess),
});

export const explainDocument = z
  .strictObject({ format: z.literal(EXPLAIN_FORMAT), ...explainReport.shape, exitCode: count() })
  .meta({ id: "ExplainReport", title: `cleanup explain PID… --json (${EXPLAIN_FORMAT})` });

/**
 * An object type written out field by field, for each member of a union: the Equals check tells
 * `A & B` from the same fields in one object, and ExplainedProcess is written as an intersection.
 */
type Flat<T> = T extends unknown ? { [K in keyof T]: T[K] } : never;

type Report<P> = Omit<ExplainReport, "processes"> & { processes: P[] };

export type Checks = [
  Same<Equals<z.infer<typeof level>, Level>>,
  Same<Equals<z.infer<typeof fieldVerdict>, FieldVerdict>>,
  Same<Equals<z.infer<typeof conditionVerdict>, ConditionVerdict>>,
  Same<Equals<z.infer<typeof ruleVerdict>, RuleVerdict>>,
  Same<Equals<z.infer<typeof protectionVerdict>, ProtectionVerdict>>,
  Same<Equals<z.infer<typeof parentFacts>, ParentFacts>>,
  Same<Equals<z.infer<typeof leaderFacts>, LeaderFacts>>,
  Same<Equals<z.infer<typeof membership>, Membership>>,
  Same<Equals<z.infer<typeof explanation>, Explanation>>,
  Same<Equals<Flat<z.infer<typeof explainedProcess>>, Flat<ExplainReport["processes"][number]>>>,
  Same<
    Equals<
      Flat<z.infer<typeof explainReport>>,
      Flat<Report<Flat<ExplainReport["processes"][number]>>>
    >
  >,
];
