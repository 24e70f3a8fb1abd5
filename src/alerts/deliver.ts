// Sends each sink its digest: everything waiting for it in the outbox. Sinks run in parallel,
// each within its own timeout; one that fails keeps its notifications for the next run and
// never stops the others or the run.
import type { Deadline } from "../shared/deadline.js";
import { noAnswerWithin } from "../net/errors.js";
import { sinkPlugin, type SinkConfig } from "../sinks/registry.js";
import { acknowledge, type Outbox } from "./outbox.js";
import type { Digest, Notification, Sink } from "./types.js";

export interface Delivery {
  sink: string;
  type: Sink["type"];
  /** sent: accepted; failed: kept in the outbox; idle: nothing to send. */
  status: "sent" | "failed" | "idle";
  notifications: number;
  dropped: number;
  error?: string;
}

/** A sink's own timeout bounds its connection; this bounds a sink that ignores it. */
const GUARD_MS = 2_000;

/** How long a sink may take in all (the log sink has no timeout of its own: 5 s). */
export function sinkDeadlineMs(config: SinkConfig): number {
  return ("timeoutMs" in config ? config.timeoutMs : 5_000) + GUARD_MS;
}

export async function deliverAll(
  sinks: readonly { sink: Sink; deadlineMs: number }[],
  outbox: Outbox,
  open: readonly Notification[],
  context: { host: string; runAt: string; deadline?: Deadline },
): Promise<{ deliveries: Delivery[]; outbox: Outbox }> {
  const { deadline, ...digestContext } = context;
  let next = outbox;
  const deliveries = await Promise.all(
    sinks.map(async ({ sink, deadlineMs }): Promise<Delivery> => {
      const notifications = outbox.pending[sink.name] ?? [];
      const dropped = outbox.dropped[sink.name] ?? 0;
      // A receiver that forgets a firing alert not re-posted (Alertmanager) gets the open ones
      // every run, news or not.
      const hasWork =
        notifications.length > 0 ||
        dropped > 0 ||
        (sinkPlugin(sink.type).capabilities.repostsOpenAlerts && open.length > 0);
      const base = {
        sink: sink.name,
        type: sink.type,
        notifications: notifications.length,
        dropped,
      };
      if (!hasWork) return { ...base, status: "idle" };
      // Past the run's deadline nothing more is delivered: the queue waits for the next run.
      if (deadline?.passed()) {
        return { ...base, status: "failed", error: "not sent: the run's deadline had passed" };
      }
      const digest: Digest = {
        ...digestContext,
        test: false,
        notifications,
        open: [...open],
        dropped,
      };
      try {
        await sendWithin(sink, digest, deadline ? deadline.bound(deadlineMs) : deadlineMs);
        next = acknowledge(next, sink.name, notifications);
        return { ...base, status: "sent" };
      } catch (error) {
        return { ...base, status: "failed", error: (error as Error).message };
      }
    }),
  );
  return { deliveries, outbox: next };
}

export async function sendWithin(sink: Sink, digest: Digest, ms: number): Promise<void> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${sink.name}: ${noAnswerWithin(ms)}`));
    }, ms);
  });
  try {
    await Promise.race([sink.send(digest, controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
