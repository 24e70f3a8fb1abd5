// The one clock of a run. Every timestamp and age a run records (plan, audit, alerts, state,
// last run, report) is read from it, and every duration and its deadline too, so a test that
// passes a fixed clock gets the same report each time. Waits go through it as well: a fake
// clock's sleep can advance its own time instead of the machine's.
import { setTimeout as delay } from "node:timers/promises";

export interface Clock {
  /** Wall clock, ms since the epoch: timestamps and ages. */
  now(): number;
  /** Monotonic ms (any origin): durations and the run's deadline. */
  monotonic(): number;
  /** Resolves after `ms` (the CPU sample's wait, the executor's polls). */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms) => delay(ms),
};
