// The acting side of one run. Dry-run is decided here and nowhere else: a dry session takes no
// lock, writes no audit line and sends no signal; a live one holds the lock for the whole run.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { SignalName } from "../config/types.js";
import type { Deadline } from "../deadline.js";
import type { PlanEntry } from "../rules/plan-types.js";
import { openAuditLog } from "./audit.js";
import { executeKills } from "./execute.js";
import { acquireLock, type LockHolder } from "./lock.js";
import type { KillResult } from "./results.js";
import type { PidFileRead } from "../services/pid-files.js";
import { removeStalePidFile, type PidFileRemovalOutcome } from "./pid-file-removal.js";

export interface SessionOptions {
  dryRun: boolean;
  stateDir: string;
  procRoot: string;
  /** This run's identity, written into the lock. */
  self: LockHolder;
  kill?: (pid: number, signal: SignalName) => void;
  confirmMs?: number;
  pollMs?: number;
  /** The run's: the executor sends nothing past it. */
  deadline?: Deadline;
}

export type Session =
  | { kind: "busy"; holder: LockHolder }
  | {
      kind: "ready";
      dryRun: boolean;
      auditPath: string | null;
      execute(entries: readonly PlanEntry[]): Promise<KillResult[]>;
      /** A stale PID file of `service`: deleted in a live run (after re-checking it), never in a dry one. */
      removePidFile(read: PidFileRead, service: string): PidFileRemovalResult;
      /** The run stopped at its deadline: one audit line says where and what was left undone. */
      recordDeadline(detail: string): void;
      close(): void;
    };

export interface PidFileRemovalResult {
  outcome: PidFileRemovalOutcome | "would-remove";
  detail: string;
}

export class StateDirError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StateDirError";
  }
}

export const AUDIT_FILE = "audit.jsonl";

export function startSession(options: SessionOptions): Session {
  if (options.dryRun) {
    return {
      kind: "ready",
      dryRun: true,
      auditPath: null,
      execute: async (entries) =>
        entries.map((e) => ({
          pid: e.process.pid,
          startTicks: e.process.startTicks,
          rule: e.rule,
          outcome: "would-kill",
          signals: [],
        })),
      removePidFile: () => ({ outcome: "would-remove", detail: "dry run" }),
      recordDeadline: () => {},
      close: () => {},
    };
  }
  try {
    mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StateDirError(
      `cannot create the state directory ${options.stateDir}: ${(error as Error).message} (set --state-dir or settings.state_dir)`,
      { cause: error },
    );
  }
  let lock: ReturnType<typeof acquireLock>;
  try {
    lock = acquireLock(options.stateDir, options.procRoot, options.self);
  } catch (error) {
    throw new StateDirError(
      `cannot take the lock in ${options.stateDir}: ${(error as Error).message} (set --state-dir or settings.state_dir)`,
      { cause: error },
    );
  }
  if (!lock.held) return { kind: "busy", holder: lock.holder };
  const auditPath = join(options.stateDir, AUDIT_FILE);
  let audit: ReturnType<typeof openAuditLog>;
  try {
    audit = openAuditLog(auditPath);
  } catch (error) {
    lock.release();
    throw new StateDirError(`cannot open the audit log ${auditPath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    kind: "ready",
    dryRun: false,
    auditPath,
    execute: (entries) =>
      executeKills(entries, {
        procRoot: options.procRoot,
        kill: options.kill ?? ((pid, signal) => process.kill(pid, signal)),
        now: () => performance.now(),
        wallClock: () => Date.now(),
        sleep: (ms) => sleep(ms),
        audit: (record) => audit.append(record),
        confirmMs: options.confirmMs ?? 2_000,
        pollMs: options.pollMs ?? 20,
        ...(options.deadline && { deadline: options.deadline }),
      }),
    removePidFile: (read, service) => {
      const result = removeStalePidFile(read, options.procRoot);
      try {
        audit.append({
          time: new Date().toISOString(),
          pid: read.pid ?? 0,
          startTicks: 0,
          argv: [],
          rule: `service:${service}`,
          signal: "remove-pid-file",
          outcome: result.outcome,
          detail: `${read.path}${result.detail ? `: ${result.detail}` : ""}`,
        });
      } catch {
        // As for signals: a failed audit write does not undo what was done.
      }
      return result;
    },
    recordDeadline: (detail) => {
      try {
        audit.append({
          time: new Date().toISOString(),
          pid: 0,
          startTicks: 0,
          argv: [],
          rule: "run",
          signal: "none",
          outcome: "deadline",
          detail,
        });
      } catch {
        // The report and the last-run state say it too.
      }
    },
    close: () => {
      try {
        audit.close();
      } finally {
        lock.release();
      }
    },
  };
}
