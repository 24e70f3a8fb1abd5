// Notifications waiting for their sinks. A notification is written here before delivery and
// removed only after its sink accepted it, so a mail server that is down loses nothing: the
// next run sends it. Bounded per sink: past the limit the oldest are dropped and counted, and
// the next message that gets through says how many. Pure; the run reads and writes the file.
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

export function checkOutbox(data: unknown): string | null {
  const d = data as Partial<Outbox>;
  const ok = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  return ok(d.pending) && ok(d.dropped) ? null : "pending or dropped missing";
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
