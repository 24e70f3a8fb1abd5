// The report's small shared shapes: a process, a kill result, a socket, the lock holder, the actor.
import { z } from "zod";
import { SIGNALS } from "../../config/schema-rules.js";
import type { LockHolder } from "../../act/lock.js";
import type { KillResult } from "../../act/results.js";
import type { Action, Severity, SignalName } from "../../config/types.js";
import type { Actor, ProcessRef } from "../../rules/plan-types.js";
import type { Listener } from "../../scan/types.js";
import type { Equals, Same } from "./same-type.js";

export const int = () => z.number().int();
/** Counts, sizes, durations in whole ms, pids: never negative. */
export const count = () => z.number().int().nonnegative();

/** The signals a rule may name: the rules file's own list. */
export const signalName = z.enum(SIGNALS);
export const severity = z.enum(["info", "warning", "critical"]);
export const action = z.enum(["kill", "alert", "report"]);

export const processRef = z
  .strictObject({
    pid: count(),
    startTicks: count(),
    ppid: count(),
    comm: z.string(),
    argv: z.array(z.string()),
    exe: z.string().optional(),
    argvTruncated: z.literal(true).optional(),
    argvBytes: count().optional(),
    user: z.string().nullable(),
    state: z.string(),
    ageMs: z.number(),
    rssBytes: count(),
    unit: z
      .strictObject({
        name: z.string(),
        manager: z.string().optional(),
        state: z.string(),
        stopped: z.boolean().optional(),
      })
      .optional(),
  })
  .meta({ id: "ProcessRef" });

export const killResult = z
  .strictObject({
    pid: count(),
    startTicks: count(),
    rule: z.string(),
    outcome: z.enum([
      "terminated",
      "killed",
      "gone",
      "reused",
      "changed",
      "not-permitted",
      "stuck",
      "survived",
      "refused",
      "failed",
      "unverified",
      "deadline",
      "would-kill",
    ]),
    signals: z.array(signalName),
    elapsedMs: z.number().optional(),
    detail: z.string().optional(),
  })
  .meta({ id: "KillResult" });

export const listener = z
  .strictObject({
    proto: z.enum(["tcp", "tcp6", "udp", "udp6"]),
    address: z.string(),
    port: count(),
    inode: count(),
  })
  .meta({ id: "Listener" });

export const lockHolder = z.strictObject({ pid: count(), startTicks: count(), since: z.string() });

export const actor = z.strictObject({ uid: count(), mayKillAnyUser: z.boolean() });

export type Checks = [
  Same<Equals<z.infer<typeof signalName>, SignalName>>,
  Same<Equals<z.infer<typeof severity>, Severity>>,
  Same<Equals<z.infer<typeof action>, Action>>,
  Same<Equals<z.infer<typeof processRef>, ProcessRef>>,
  Same<Equals<z.infer<typeof killResult>, KillResult>>,
  Same<Equals<z.infer<typeof listener>, Listener>>,
  Same<Equals<z.infer<typeof lockHolder>, LockHolder>>,
  Same<Equals<z.infer<typeof actor>, Actor>>,
];
