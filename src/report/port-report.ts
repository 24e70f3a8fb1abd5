// What `cleanup port` reports: the type its renderer reads, here so that report/ never imports
// port/.
import type { LockHolder } from "../act/lock.js";
import type { KillResult } from "../act/results.js";
import type { Actor, ProcessRef } from "../rules/plan-types.js";
import type { Listener } from "../scan/types.js";

export type PortProto = "tcp" | "udp";

export interface PortHolder {
  process: ProcessRef;
  listeners: Listener[];
  parent: { pid: number; comm: string | null; orphaned: boolean; fact: string };
  verdict: { stale: boolean; reasons: string[] };
}

export type PortOutcome =
  /** Shown only (no --free). */
  | "shown"
  /** --free and nothing holds it. */
  | "already-free"
  /** --free: every holder was stale and the port is free now. */
  | "freed"
  /** --free --dry-run: every holder is stale; this is what would be killed. */
  | "would-free"
  /** --free: a holder is not stale (or cannot be inspected): nothing was killed. */
  | "refused"
  /** --free: the stale holders were signalled but the port is still held. */
  | "still-held"
  /** Another run holds the lock: nothing done. */
  | "busy";

export interface PortReport {
  port: number;
  protos: PortProto[];
  configFile: string;
  actor: Actor;
  outcome: PortOutcome;
  dryRun: boolean;
  holders: PortHolder[];
  /** Sockets on the port whose process this run cannot see (another user's fds, as non-root). */
  uninspectable: Listener[];
  /** Why --free refused. */
  refusal: string[];
  /** What --free killed (or would). */
  targets: ProcessRef[];
  results: KillResult[];
  /** Sockets still on the port after the kills. */
  remaining: Listener[];
  /**
   * Why the port could not be checked after the kills (the socket tables could not be read):
   * the outcome is then "still-held" with `remaining` empty, since nothing says it is free.
   */
  checkProblem?: string;
  lockHolder?: LockHolder;
  auditLog: string | null;
}
