// Sends the plan's signals. Signal every target first, then wait for all of them together
// (never one grace after another), SIGKILL the survivors of their grace, then confirm.
// Before every signal the start time, command line and executable are re-read: a different
// start time means the pid was reused; a different program, that the process exec'd.
import type { SignalName } from "../config/types.js";
import type { Deadline } from "../shared/deadline.js";
import type { PlanEntry } from "../rules/plan-types.js";
import type { AuditRecord } from "./audit.js";
import { checkIdentity, probe } from "./probe.js";
import type { KillOutcome, KillResult } from "./results.js";

export interface ExecuteDeps {
  procRoot: string;
  /** process.kill in production; throws errors with .code ESRCH / EPERM. */
  kill: (pid: number, signal: SignalName) => void;
  /** Monotonic ms, for deadlines. */
  now: () => number;
  /** Wall clock ms, for the audit log. */
  wallClock: () => number;
  sleep: (ms: number) => Promise<void>;
  audit: (record: AuditRecord) => void;
  /** How long to wait for a SIGKILLed process to be gone. */
  confirmMs: number;
  pollMs: number;
  /**
   * The run's deadline: once passed, nothing more is sent (no first signal to the rest, no
   * SIGKILL after an unfinished grace) and whatever is still alive is left as "deadline".
   */
  deadline?: Deadline;
}

interface Pending {
  entry: PlanEntry;
  signals: SignalName[];
  sentAt: number;
  deadline: number;
  killed: boolean;
}

export async function executeKills(
  entries: readonly PlanEntry[],
  deps: ExecuteDeps,
): Promise<KillResult[]> {
  const results: KillResult[] = [];
  const finish = (
    entry: PlanEntry,
    outcome: KillOutcome,
    signals: SignalName[],
    extra: Partial<KillResult> = {},
  ): void => {
    results.push({
      pid: entry.process.pid,
      startTicks: entry.process.startTicks,
      rule: entry.rule,
      outcome,
      signals,
      ...extra,
    });
  };

  // The executable of a target whose plan did not read it, as read right before its first
  // signal: the SIGKILL then requires the same.
  const exeAtFirstSignal = new Map<PlanEntry, string>();

  /** Re-checks identity, signals, audits. Returns null if sent, else the outcome. */
  const send = (
    entry: PlanEntry,
    signal: SignalName,
  ): { outcome: KillOutcome; detail?: string } | null => {
    const { pid, startTicks } = entry.process;
    const plannedExe = entry.process.exe ?? exeAtFirstSignal.get(entry);
    const record = (
      outcome: string,
      detail?: string,
      seen: { exe?: string | undefined; nowArgv?: string[]; nowExe?: string | null } = {},
    ): void => {
      const exe = seen.exe ?? plannedExe;
      try {
        deps.audit({
          time: new Date(deps.wallClock()).toISOString(),
          pid,
          startTicks,
          argv: entry.process.argv,
          ...(entry.process.argvTruncated && { argvTruncated: true }),
          ...(entry.process.argvBytes !== undefined && { argvBytes: entry.process.argvBytes }),
          ...(exe !== undefined && { exe }),
          ...(seen.nowArgv && { nowArgv: seen.nowArgv }),
          ...(seen.nowExe !== undefined && { nowExe: seen.nowExe }),
          rule: entry.rule,
          signal,
          outcome,
          ...(detail && { detail }),
        });
      } catch {
        // A full disk must not stop an escalation halfway (SIGTERM sent, no SIGKILL); the
        // results still carry every outcome.
      }
    };
    // kill(2) with pid 0 signals our own group and -1 everything we may signal.
    // The plan never names the agent or its parent; this holds even if a plan were wrong.
    if (pid === process.pid || pid === process.ppid) {
      record("refused", "the agent or its parent");
      return { outcome: "refused", detail: "the agent itself or its parent is never signalled" };
    }
    if (!Number.isInteger(pid) || pid <= 1) {
      record("refused", "pid <= 1");
      return { outcome: "refused", detail: "pid <= 1 is never signalled" };
    }
    const live = checkIdentity(deps.procRoot, pid, {
      startTicks,
      argv: entry.process.argv,
      ...(plannedExe !== undefined && { exe: plannedExe }),
    });
    if (live.kind === "gone" || live.kind === "zombie") {
      record("gone");
      return { outcome: "gone" };
    }
    if (live.kind === "unknown") {
      // Without its start time, command line and executable the pid may run another program
      // by now: never signal blind.
      record("unverified", live.error);
      return {
        outcome: "unverified",
        detail: `identity unreadable (${live.error}): not signalled`,
      };
    }
    if (live.kind === "changed") {
      const what =
        plannedExe !== undefined && live.exe !== plannedExe
          ? `runs ${live.exe ?? "?"}, not ${plannedExe}`
          : `has another command line`;
      record("changed", what, { nowArgv: live.argv, nowExe: live.exe });
      return {
        outcome: "changed",
        detail: `pid ${pid} ${what} (now ${excerpt(live.argv)}): it exec'd since the plan, not signalled`,
      };
    }
    if (live.kind === "reused") {
      record("reused", `start time now ${live.startTicks}`);
      return {
        outcome: "reused",
        detail: `pid ${pid} now has start time ${live.startTicks}, not ${startTicks}: skipped`,
      };
    }
    try {
      deps.kill(pid, signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ESRCH") {
        record("gone");
        return { outcome: "gone" };
      }
      if (code === "EPERM") {
        record("not-permitted");
        return { outcome: "not-permitted", detail: "EPERM" };
      }
      record("failed", String(code ?? error));
      return { outcome: "failed", detail: (error as Error).message };
    }
    if (plannedExe === undefined) exeAtFirstSignal.set(entry, live.exe);
    record("sent", undefined, { exe: live.exe });
    return null;
  };

  const pastDeadline = (): boolean => deps.deadline?.passed() === true;
  /** Left alive at the deadline: said in the audit log, as every signal (not) sent is. */
  const leave = (entry: PlanEntry, signal: SignalName, detail: string): void => {
    try {
      deps.audit({
        time: new Date(deps.wallClock()).toISOString(),
        pid: entry.process.pid,
        startTicks: entry.process.startTicks,
        argv: entry.process.argv,
        rule: entry.rule,
        signal,
        outcome: "deadline",
        detail,
      });
    } catch {
      // As in send(): the results still carry it.
    }
  };

  const pending: Pending[] = [];
  for (const entry of entries) {
    const step = entry.kill!;
    if (pastDeadline()) {
      const detail = "not signalled: the run's deadline passed first";
      leave(entry, step.signal, detail);
      finish(entry, "deadline", [], { detail });
      continue;
    }
    const failure = send(entry, step.signal);
    if (failure) {
      finish(entry, failure.outcome, [], failure.detail ? { detail: failure.detail } : {});
      continue;
    }
    const sentAt = deps.now();
    const killed = step.signal === "SIGKILL";
    pending.push({
      entry,
      signals: [step.signal],
      sentAt,
      killed,
      deadline: sentAt + (killed ? deps.confirmMs : step.graceMs),
    });
  }

  while (pending.length > 0) {
    const now = deps.now();
    for (let i = pending.length - 1; i >= 0; i--) {
      const item = pending[i]!;
      const { pid, startTicks } = item.entry.process;
      const live = probe(deps.procRoot, pid, startTicks);
      let outcome: KillOutcome | null = null;
      let detail: string | undefined;
      if (live.kind === "unknown") {
        // Cannot tell: no SIGKILL on an unverified pid; give up on it at its (or the run's) deadline.
        if (now >= item.deadline || pastDeadline()) {
          outcome = "unverified";
          detail = `stat unreadable (${live.error}): identity not checked, no ${item.killed ? "confirmation" : "SIGKILL"} sent`;
        }
      } else if (live.kind !== "alive") outcome = item.killed ? "killed" : "terminated";
      else if (pastDeadline()) {
        outcome = "deadline";
        detail = item.killed
          ? "SIGKILL sent; the run's deadline passed before its death was confirmed"
          : `${item.signals[0]} sent; the run's deadline passed before its grace ended: no SIGKILL sent`;
        if (!item.killed) leave(item.entry, "SIGKILL", detail);
      } else if (now >= item.deadline && !item.killed) {
        const failure = send(item.entry, "SIGKILL");
        if (!failure || failure.outcome !== "changed") item.signals.push("SIGKILL");
        if (failure) {
          // "gone" or "reused" here means it died just now, from the first signal.
          outcome =
            failure.outcome === "gone" || failure.outcome === "reused"
              ? "terminated"
              : failure.outcome;
          detail = failure.detail;
        } else {
          item.killed = true;
          item.deadline = now + deps.confirmMs;
        }
      } else if (now >= item.deadline) {
        outcome = live.state === "D" ? "stuck" : "survived";
        detail = `still alive in state ${live.state} after SIGKILL`;
      }
      if (outcome) {
        finish(item.entry, outcome, item.signals, {
          elapsedMs: Math.round(now - item.sentAt),
          ...(detail && { detail }),
        });
        pending.splice(i, 1);
      }
    }
    if (pending.length > 0) await deps.sleep(deps.deadline?.bound(deps.pollMs) ?? deps.pollMs);
  }
  return results;
}

/** A command line for a one-line detail: JSON-quoted (control characters escaped), cut at 200. */
function excerpt(argv: readonly string[]): string {
  const line = argv.join(" ");
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 199)}…` : line);
}
