import type { SignalName } from "../config/types.js";

export type KillOutcome =
  /** Died after the first signal. */
  | "terminated"
  /** Survived the grace, died after SIGKILL. */
  | "killed"
  /** Already gone before the first signal. */
  | "gone"
  /** The pid belonged to another process by then (start time differs): skipped. */
  | "reused"
  /**
   * Same pid and start time, another command line or executable: it exec'd (or rewrote its
   * argv) since the plan. Not signalled; not a failure: the planned program is no longer
   * running, and the next run judges what runs now.
   */
  | "changed"
  /** EPERM: not ours to signal. */
  | "not-permitted"
  /** Still alive after SIGKILL, in uninterruptible sleep (D): the kernel holds it. */
  | "stuck"
  /** Still alive after SIGKILL and the confirm wait, not in D state. */
  | "survived"
  /** pid ≤ 1: never signalled, whatever the plan said. */
  | "refused"
  /** kill(2) failed otherwise. */
  | "failed"
  /** Its stat, cmdline or exe could not be read, so its identity could not be checked: not signalled. */
  | "unverified"
  /**
   * The run's deadline (settings.run_deadline) passed while this target was still alive: its
   * signals say what was sent (none, or the first signal with no SIGKILL after it).
   */
  | "deadline"
  /** --dry-run: nothing sent. */
  | "would-kill";

export const FAILED_OUTCOMES: ReadonlySet<KillOutcome> = new Set<KillOutcome>([
  "not-permitted",
  "stuck",
  "survived",
  "refused",
  "failed",
  "unverified",
  // Alive, and left so: a person looks at it (the next run tries again).
  "deadline",
]);

/** Dead by this run's signals. */
export const KILLED_OUTCOMES: ReadonlySet<KillOutcome> = new Set<KillOutcome>([
  "terminated",
  "killed",
]);

export interface KillResult {
  pid: number;
  startTicks: number;
  rule: string;
  outcome: KillOutcome;
  signals: SignalName[];
  /** ms from the first signal to confirmed death. */
  elapsedMs?: number;
  detail?: string;
}
