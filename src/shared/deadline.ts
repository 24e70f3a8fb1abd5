// A run's deadline: one monotonic instant, checked at the edges of a run (between its stages, in
// the executor's wait loop, before each delivery) and used to bound every wait in it. Built from
// the one clock the caller passes, so tests drive it with a fake one.

export interface Deadline {
  /** The whole budget, as configured (settings.run_deadline). */
  readonly limitMs: number;
  passed(): boolean;
  /** ms left, never below 0. */
  remainingMs(): number;
  /** `ms`, cut to what is left: a wait (sleep, timeout) never outlives the run. */
  bound(ms: number): number;
}

export function startDeadline(limitMs: number, now: () => number, startedAt = now()): Deadline {
  const at = startedAt + limitMs;
  const remainingMs = (): number => Math.max(0, at - now());
  return {
    limitMs,
    passed: () => now() >= at,
    remainingMs,
    bound: (ms) => Math.max(0, Math.min(ms, remainingMs())),
  };
}

/** For callers without a deadline (tests, `alert test`): never passes. */
export const NO_DEADLINE: Deadline = {
  limitMs: Number.POSITIVE_INFINITY,
  passed: () => false,
  remainingMs: () => Number.POSITIVE_INFINITY,
  bound: (ms) => ms,
};
