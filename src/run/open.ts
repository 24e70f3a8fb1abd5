// The open stage: read the config, start the deadline, find the state directory, check the
// directories root will write into, and take the lock (live) through the session. `cleanup port`
// opens the same way, without a deadline.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { LockHolder } from "../act/lock.js";
import { checkTrustedDir, startSession } from "../act/session.js";
import { loadConfigFile } from "../config/load.js";
import type { Config } from "../config/types.js";
import { startDeadline } from "../shared/deadline.js";
import type { RunContext } from "./context.js";
import type { ReadySession } from "./types.js";

export interface OpenOptions {
  configPath: string;
  allowUntrustedConfig?: boolean;
  /** --state-dir; else settings.state_dir; else the default for this user. */
  stateDir?: string;
  /** A live session takes the lock, writes the audit log and signals. */
  live: boolean;
  /** settings.run_deadline, counted from the context's start (a run has one, `port` not). */
  deadline: boolean;
  onDeadline?: (limitMs: number) => void;
  /** --textfile: checked like the state dir before anything is done. */
  textfileDir?: string;
}

interface OpenedBase {
  /** The caller's context, with the deadline once the config gave it. */
  ctx: RunContext;
  config: Config;
  stateDir: string;
  /** Paths accepted only because settings.trust_paths lists them. */
  warnings: string[];
}

export type Opened =
  | (OpenedBase & { kind: "busy"; holder: LockHolder })
  | (OpenedBase & { kind: "ready"; session: ReadySession });

export function open(context: RunContext, options: OpenOptions): Opened {
  const config = loadConfigFile(options.configPath, {
    allowUntrusted: options.allowUntrustedConfig === true,
  });
  let ctx = context;
  if (options.deadline) {
    // From the run's start: reading the config counts too.
    const limitMs = config.settings.runDeadlineMs;
    ctx = {
      ...context,
      deadline: startDeadline(limitMs, () => context.clock.monotonic(), context.startedAt),
    };
    options.onDeadline?.(limitMs);
  }
  const stateDir =
    options.stateDir ?? config.settings.stateDir ?? defaultStateDir(ctx.who.actor.uid);
  const trustPaths = config.settings.trustPaths;
  // A missing textfile dir is left to the textfile write, which says so.
  const textfileWarnings =
    options.textfileDir !== undefined && existsSync(options.textfileDir)
      ? checkTrustedDir(options.textfileDir, "textfile", { trustPaths })
      : [];
  const session = startSession({
    dryRun: !options.live,
    stateDir,
    procRoot: ctx.procRoot,
    self: ctx.who.self,
    clock: ctx.clock,
    ...(options.deadline && { deadline: ctx.deadline }),
    trustPaths,
    ...(ctx.kill && { kill: ctx.kill }),
  });
  const base = { ctx, config, stateDir };
  if (session.kind === "busy") {
    return { ...base, kind: "busy", holder: session.holder, warnings: textfileWarnings };
  }
  return { ...base, kind: "ready", session, warnings: [...textfileWarnings, ...session.warnings] };
}

export { checkConfig } from "./check-config.js";

export function defaultStateDir(uid: number): string {
  if (uid === 0) return "/var/lib/cleanup";
  const base = process.env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "cleanup");
}
