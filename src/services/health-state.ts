// Failed health probes in a row, per service, kept across runs for kill_after.
import { isCount } from "../state/shape.js";

export const HEALTH_STATE_FILE = "health.json";
export const HEALTH_STATE_VERSION = 1;

export interface HealthState {
  version: typeof HEALTH_STATE_VERSION;
  /** Service name → failed runs in a row and when the first of them was. */
  services: Record<string, { failures: number; since: string }>;
}

export function checkHealthState(data: unknown): string | null {
  const d = data as Partial<HealthState>;
  if (typeof d.services !== "object" || d.services === null || Array.isArray(d.services))
    return "services missing";
  for (const [name, entry] of Object.entries(d.services)) {
    if (!isCount(entry?.failures) || typeof entry.since !== "string")
      return `services.${name} is not { failures, since }`;
  }
  return null;
}

/** This run's counts: a healthy probe resets, a failed one adds one to the previous count. */
export function nextHealthState(
  previous: HealthState | null,
  failed: ReadonlyMap<string, boolean>,
  now: Date,
): HealthState {
  const services: HealthState["services"] = {};
  for (const [name, isFailed] of failed) {
    if (!isFailed) continue;
    const before = previous?.services[name];
    services[name] = before
      ? { failures: before.failures + 1, since: before.since }
      : { failures: 1, since: now.toISOString() };
  }
  return { version: HEALTH_STATE_VERSION, services };
}
