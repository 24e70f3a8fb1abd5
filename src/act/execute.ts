// Sends the plan's signals. Signal every target first, then wait for all of them together
// (never one grace after another), SIGKILL the survivors of their grace, then confirm.
// Before every signal the start time is re-read: a different one means the pid was reused.
import type { SignalName } from "../config/types.js";
import type { PlanEntry } from "../rules/plan-types.js";
import type { AuditRecord } from "./audit.js";
import { probe } from "./probe.js";
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

  /** Re-checks identity, signals, audits. Returns null if sent, else the outcome. */
  const send = (
    entry: PlanEntry,
    signal: SignalName,
  ): { outcome: KillOutcome; detail?: string } | null => {
    const { pid, startTicks } = entry.process;
    const record = (outcome: string, detail?: string): void => {
      try {
        deps.audit({
          time: new Date(deps.wallClock()).toISOString(),
          pid,
          startTicks,
          argv: entry.process.argv,
          ...(entry.process.argvTruncated && { argvTruncated: true }),
          ...(entry.process.argvBytes !== undefined && { argvBytes: entry.process.argvBytes }),
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
    const live = probe(deps.procRoot, pid, startTicks);
    if (live.kind === "gone" || live.kind === "zombie") {
      record("gone");
      return { outcome: "gone" };
    }
    if (live.kind === "unknown") {
      // Without its start time the pid may belong to another process by now: never signal blind.
      record("unverified", live.error);
      return { outcome: "unverified", detail: `stat unreadable (${live.error}): not signalled` };
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
    record("sent");
    return null;
  };

  const pending: Pending[] = [];
  for (const entry of entries) {
    const step = entry.kill!;
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
        // Cannot tell: no SIGKILL on an unverified pid; give up on it at its deadline.
        if (now >= item.deadline) {
          outcome = "unverified";
          detail = `stat unreadable (${live.error}): identity not checked, no ${item.killed ? "confirmation" : "SIGKILL"} sent`;
        }
      } else if (live.kind !== "alive") outcome = item.killed ? "killed" : "terminated";
      else if (now >= item.deadline && !item.killed) {
        const failure = send(item.entry, "SIGKILL");
        item.signals.push("SIGKILL");
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
    if (pending.length > 0) await deps.sleep(deps.pollMs);
  }
  return results;
}
