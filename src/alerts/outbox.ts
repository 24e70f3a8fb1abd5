// Notifications waiting for their sinks. A notification is written here before delivery and
// removed only after its sink accepted it, so a mail server that is down loses nothing: the
// next run sends it. Bounded per sink: past the limit the oldest are dropped and counted, and
// the next message that gets through says how many. Pure; the run reads and writes the file.
import { isCount, isRecord, isString, isStringArray, isStringRecord } from "../state/shape.js";
import type { Parsed, Rejected } from "../state/store.js";
import type { Notification } from "./types.js";

export const OUTBOX_FILE = "outbox.json";
export const OUTBOX_VERSION = 1;

export interface Outbox {
  version: typeof OUTBOX_VERSION;
  /** sink name → notifications not yet accepted, oldest first. */
  pending: Record<string, Notification[]>;
  /** sink name → notifications dropped since its last successful delivery. */
  dropped: Record<string, number>;
}

export function emptyOutbox(): Outbox {
  return { version: OUTBOX_VERSION, pending: {}, dropped: {} };
}

const STATUSES: readonly unknown[] = ["firing", "resolved", "event"];
const SEVERITIES: readonly unknown[] = ["info", "warning", "critical"];

/** What is wrong with a queued notification, or null: every field a sink reads, typed. */
export function notificationProblem(n: unknown): string | null {
  if (!isRecord(n)) return "not a notification";
  for (const key of ["id", "key", "summary", "host", "startsAt", "createdAt"] as const) {
    if (!isString(n[key])) return `${key} is not a text`;
  }
  if (!STATUSES.includes(n.status)) return "status is not firing, resolved or event";
  if (!SEVERITIES.includes(n.severity)) return "severity is not info, warning or critical";
  if (typeof n.reminder !== "boolean") return "reminder is not true or false";
  if (!isStringArray(n.details)) return "details is not a list of texts";
  if (!isStringRecord(n.labels)) return "labels is not a mapping of texts";
  if (n.endsAt !== undefined && !isString(n.endsAt)) return "endsAt is not a text";
  if (n.supersedes !== undefined && !SEVERITIES.includes(n.supersedes))
    return "supersedes is not a severity";
  return null;
}

/**
 * The outbox, entry by entry: a queue that is not a list, a notification with a wrong field or
 * a dropped count that is not a count is taken out alone (StateFiles sets it aside in
 * outbox.rejected-TIME.json), so one bad entry never blocks its sink or the others.
 */
export function parseOutbox(data: unknown): Parsed<Outbox> {
  const d = data as Record<string, unknown>;
  if (!isRecord(d.pending))
    return { ok: false, problem: "pending is not a mapping of sink → queue" };
  if (!isRecord(d.dropped))
    return { ok: false, problem: "dropped is not a mapping of sink → count" };
  const rejected: Rejected[] = [];
  const pending: [string, Notification[]][] = [];
  for (const [sink, queue] of Object.entries(d.pending)) {
    if (!Array.isArray(queue)) {
      rejected.push({
        where: `pending.${sink}`,
        problem: "not a list of notifications",
        value: queue,
      });
      continue;
    }
    const good: Notification[] = [];
    queue.forEach((n: unknown, i) => {
      const problem = notificationProblem(n);
      if (problem === null) good.push(n as Notification);
      else rejected.push({ where: `pending.${sink}[${i}]`, problem, value: n });
    });
    pending.push([sink, good]);
  }
  const dropped: [string, number][] = [];
  for (const [sink, count] of Object.entries(d.dropped)) {
    if (isCount(count)) dropped.push([sink, count]);
    else rejected.push({ where: `dropped.${sink}`, problem: "not a count", value: count });
  }
  // fromEntries: a sink named "__proto__" stays a key, not a prototype.
  return {
    ok: true,
    data: {
      version: OUTBOX_VERSION,
      pending: Object.fromEntries(pending),
      dropped: Object.fromEntries(dropped),
    },
    rejected,
  };
}

/**
 * Adds the run's notifications for every sink, dropping the oldest past `limit`. Sinks no longer
 * in the config lose their queue (reported as `orphaned`).
 */
export function enqueue(
  outbox: Outbox,
  sinks: readonly string[],
  notifications: readonly Notification[],
  limit: number,
): { outbox: Outbox; orphaned: Record<string, number> } {
  const next = emptyOutbox();
  const orphaned: Record<string, number> = {};
  for (const [sink, queue] of Object.entries(outbox.pending)) {
    if (!sinks.includes(sink) && queue.length > 0) orphaned[sink] = queue.length;
  }
  for (const sink of sinks) {
    const queue = [...(outbox.pending[sink] ?? []), ...notifications];
    const excess = Math.max(0, queue.length - limit);
    next.pending[sink] = queue.slice(excess);
    next.dropped[sink] = (outbox.dropped[sink] ?? 0) + excess;
  }
  return { outbox: next, orphaned };
}

/** After `sink` accepted `sent`: those leave the queue and its dropped count is told. */
export function acknowledge(outbox: Outbox, sink: string, sent: readonly Notification[]): Outbox {
  const ids = new Set(sent.map((n) => n.id));
  return {
    version: OUTBOX_VERSION,
    pending: {
      ...outbox.pending,
      [sink]: (outbox.pending[sink] ?? []).filter((n) => !ids.has(n.id)),
    },
    dropped: { ...outbox.dropped, [sink]: 0 },
  };
}
