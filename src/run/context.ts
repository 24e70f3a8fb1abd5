// What every stage of a run reads from one place: the clock, the /proc tree, how signals are
// sent, who we are, where the log sink writes, and the deadline. Built once per run (or per
// `cleanup port`); a test builds it from a fixed clock, a fixture tree and a recording kill.
import { hostname } from "node:os";
import type { LockHolder } from "../act/lock.js";
import type { SessionOptions } from "../act/session.js";
import { NO_DEADLINE, type Deadline } from "../shared/deadline.js";
import type { Actor } from "../rules/plan-types.js";
import { systemClock, type Clock } from "../shared/clock.js";
import { currentActor, selfIdentity } from "./identity.js";

export interface ContextOptions {
  /** "/proc", or a fixture tree. */
  procRoot?: string;
  /** Default: the system's. */
  clock?: Clock;
  /** Default process.kill. */
  kill?: SessionOptions["kill"];
  /** Where the log sink writes (default stderr: stdout carries the report). */
  logStream?: NodeJS.WritableStream;
  /** Who the plan acts as (default: the effective uid and CAP_KILL, from <procRoot>/self). */
  actor?: Actor;
  /** The host notifications name (default os.hostname()). */
  hostname?: string;
  /** Where user names come from (default /etc/passwd). */
  passwdPath?: string;
}

export interface RunContext {
  readonly clock: Clock;
  /** clock.monotonic() when the run began: durations and the deadline count from here. */
  readonly startedAt: number;
  readonly procRoot: string;
  readonly kill: SessionOptions["kill"] | undefined;
  /** Who we are: the plan's actor, the lock's identity and our pid (never a target). */
  readonly who: { actor: Actor; self: LockHolder; pid: number };
  readonly hostname: string;
  readonly logStream: NodeJS.WritableStream;
  readonly passwdPath: string | undefined;
  /** NO_DEADLINE until the config is read (see open). */
  readonly deadline: Deadline;
}

export function createContext(options: ContextOptions): RunContext {
  const clock = options.clock ?? systemClock;
  const startedAt = clock.monotonic();
  const procRoot = options.procRoot ?? "/proc";
  return {
    clock,
    startedAt,
    procRoot,
    kill: options.kill,
    who: {
      actor: options.actor ?? currentActor(procRoot),
      self: selfIdentity(procRoot, clock.now()),
      pid: process.pid,
    },
    hostname: options.hostname ?? hostname(),
    logStream: options.logStream ?? process.stderr,
    passwdPath: options.passwdPath,
    deadline: NO_DEADLINE,
  };
}

/** ms since the run began, on its clock. */
export function elapsedMs(ctx: RunContext): number {
  return ctx.clock.monotonic() - ctx.startedAt;
}
