// The acting side of one run. Dry-run is decided here and nowhere else: a dry session takes no
// lock, writes no audit line and sends no signal; a live one holds the lock for the whole run.
import { lstatSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { SignalName } from "../config/types.js";
import type { Deadline } from "../shared/deadline.js";
import { systemClock, type Clock } from "../shared/clock.js";
import type { PlanEntry } from "../rules/plan-types.js";
import { openAuditLog } from "./audit.js";
import { removeFiles, type FileRemovalResult } from "./file-removals.js";
import type { FileEntry } from "../rules/file-plan-types.js";
import { executeKills } from "./execute.js";
import { acquireLock, type LockHolder } from "./lock.js";
import type { KillResult } from "./results.js";
import type { PidFileRead } from "../scan/pid-files.js";
import { removeStalePidFile, type PidFileRemovalOutcome } from "./pid-file-removal.js";
import { StateDirError } from "../state/state-dir-error.js";
import { checkDirTrust } from "../state/trusted-dir.js";

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
  /** settings.trust_paths: accepted although another user owns or can write them. */
  trustPaths?: readonly string[];
  /** The agent's effective uid (as root, the state dir must be root's alone). */
  euid?: number;
  /** The run's: audit times, the executor's waits and grace periods. Default: the system's. */
  clock?: Clock;
}

export type Session =
  | { kind: "busy"; holder: LockHolder }
  | {
      kind: "ready";
      dryRun: boolean;
      auditPath: string | null;
      /** Paths accepted only because settings.trust_paths lists them, a line each. */
      warnings: string[];
      execute(entries: readonly PlanEntry[]): Promise<KillResult[]>;
      /** A stale PID file of `service`: deleted in a live run (after re-checking it), never in a dry one. */
      removePidFile(read: PidFileRead, service: string): PidFileRemovalResult;
      /** The file plan's removals (after the kills); a dry session says what it would remove. */
      removeFiles(entries: readonly FileEntry[]): FileRemovalResult[];
      /** The run stopped at its deadline: one audit line says where and what was left undone. */
      recordDeadline(detail: string): void;
      close(): void;
    };

export interface PidFileRemovalResult {
  outcome: PidFileRemovalOutcome | "would-remove";
  detail: string;
}

export { StateDirError };

/**
 * As root: throws StateDirError (exit 6) if `dir` (or a directory above it) is not root's alone;
 * returns the lines for what settings.trust_paths let through. `what`: "state", "textfile".
 */
export function checkTrustedDir(
  dir: string,
  what: string,
  options: { euid?: number; trustPaths?: readonly string[] },
): string[] {
  let trust: ReturnType<typeof checkDirTrust>;
  try {
    trust = checkDirTrust(dir, {
      euid: options.euid ?? process.geteuid?.() ?? 0,
      trusted: options.trustPaths ?? [],
    });
  } catch (error) {
    const reason = (error as Error).message;
    throw new StateDirError(`cannot check the ${what} directory ${dir}: ${reason}`, {
      cause: error,
    });
  }
  if (trust.refusal !== null) {
    throw new StateDirError(
      `refusing the ${what} directory ${dir}: ${trust.refusal}; another user could plant or swap the files that root writes and reads there. Make it root's alone (chown root, chmod go-w), or list the path in settings.trust_paths to accept it`,
    );
  }
  return trust.warnings.map((w) => `${what} directory: ${w}`);
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export const AUDIT_FILE = "audit.jsonl";

export function startSession(options: SessionOptions): Session {
  if (options.dryRun) {
    // A dry run creates nothing, but it refuses what the live run would refuse.
    const warnings = exists(options.stateDir)
      ? checkTrustedDir(options.stateDir, "state", options)
      : [];
    return {
      kind: "ready",
      dryRun: true,
      auditPath: null,
      warnings,
      execute: async (entries) =>
        entries.map((e) => ({
          pid: e.process.pid,
          startTicks: e.process.startTicks,
          rule: e.rule,
          outcome: "would-kill",
          signals: [],
        })),
      removePidFile: () => ({ outcome: "would-remove", detail: "dry run" }),
      removeFiles: (entries) =>
        entries
          .filter((e) => e.action === "remove")
          .map((e) => ({
            rule: e.rule,
            path: e.file.path,
            dev: e.file.dev,
            ino: e.file.ino,
            uid: e.file.uid,
            sizeBytes: e.file.sizeBytes,
            outcome: "would-remove" as const,
            bytesFreed: 0,
            detail: "dry run",
          })),
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
  // Before the lock: a lock file planted by another user must not be read as ours.
  const warnings = checkTrustedDir(options.stateDir, "state", options);
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
  const clock = options.clock ?? systemClock;
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
    warnings,
    execute: (entries) =>
      executeKills(entries, {
        procRoot: options.procRoot,
        kill: options.kill ?? ((pid, signal) => process.kill(pid, signal)),
        now: () => clock.monotonic(),
        wallClock: () => clock.now(),
        sleep: (ms) => clock.sleep(ms),
        audit: (record) => audit.append(record),
        confirmMs: options.confirmMs ?? 2_000,
        pollMs: options.pollMs ?? 20,
        ...(options.deadline && { deadline: options.deadline }),
      }),
    removePidFile: (read, service) => {
      const result = removeStalePidFile(read, options.procRoot);
      try {
        audit.append({
          time: new Date(clock.now()).toISOString(),
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
    removeFiles: (entries) =>
      removeFiles(entries, {
        procRoot: options.procRoot,
        wallClock: () => clock.now(),
        audit: (record) => audit.append(record),
      }),
    recordDeadline: (detail) => {
      try {
        audit.append({
          time: new Date(clock.now()).toISOString(),
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
