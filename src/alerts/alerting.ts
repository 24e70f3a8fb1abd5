// One run's alerting: decide what to tell (policy), then, in a live run, queue it in the outbox,
// save the alert state, deliver, and save the outbox again. A dry run or `status` decides and
// shows what would be sent, and changes nothing.
import { hostname } from "node:os";
import type { Config } from "../config/types.js";
import type { Deadline } from "../shared/deadline.js";
import type { StateFiles } from "../state/reader.js";
import { deliverAll, sinkDeadlineMs, type Delivery } from "./deliver.js";
import { OUTBOX_FILE, OUTBOX_VERSION, emptyOutbox, enqueue, parseOutbox } from "./outbox.js";
import {
  ALERT_STATE_FILE,
  ALERT_STATE_VERSION,
  decide,
  emptyAlertState,
  parseAlertState,
  policyLookup,
} from "./policy.js";
import { createSink } from "./create-sink.js";
import type { AlertEvent, Notification, Reading } from "./types.js";

export interface AlertingReport {
  /** What this run decided to announce (sent, or queued, or in a dry run: would be sent). */
  notifications: Notification[];
  /** Per sink, in a live run. */
  deliveries: Delivery[];
  /** Queues of sinks no longer in the config, given up: sink → notifications lost. */
  orphaned: Record<string, number>;
  /**
   * Live runs: whether what failed sinks still have to send is on disk in the outbox (false:
   * the outbox could not be written, see the state problems; nothing is retried from it).
   */
  outboxSaved?: boolean;
  /** When the outbox could not be saved: per sink, its queued notifications that are on disk nowhere. */
  unsaved?: Record<string, number>;
}

export interface AlertingOptions {
  config: Config;
  stateDir: string;
  live: boolean;
  state: StateFiles;
  /** The run's "now": the policy's timestamps, the digest's run time, Alertmanager's endsAt. */
  now: Date;
  /** The host named in notifications (default: os.hostname()). */
  host?: string;
  /** Where the log sink writes: stderr (stdout carries the report). */
  logStream: NodeJS.WritableStream;
  /** Conditions this run could not judge: kept open (see decide). */
  keepOpen?: (key: string) => boolean;
  /** How cleared conditions read now: a recovery says the value now (see decide). */
  readings?: ReadonlyMap<string, Reading>;
  /** The run's: no delivery starts past it, and none outlives it (each sink's timeout is cut). */
  deadline?: Deadline;
}

export async function runAlerting(
  events: readonly AlertEvent[],
  options: AlertingOptions,
): Promise<AlertingReport> {
  const { config, state } = options;
  const host = options.host ?? hostname();
  const previous =
    state.read(ALERT_STATE_FILE, ALERT_STATE_VERSION, parseAlertState) ?? emptyAlertState();
  const decision = decide(
    events,
    previous,
    options.now,
    host,
    policyLookup(config.alerts, config.rules, config.services),
    options.keepOpen,
    options.readings,
  );
  if (!options.live) return { notifications: decision.notifications, deliveries: [], orphaned: {} };

  const sinkNames = config.alerts.sinks.map((s) => s.name);
  const stored = state.read(OUTBOX_FILE, OUTBOX_VERSION, parseOutbox) ?? emptyOutbox();
  const { outbox: queued, orphaned } = enqueue(
    stored,
    sinkNames,
    decision.notifications,
    config.alerts.outboxLimit,
  );
  // Stored before any delivery: a crash or a dead mail server from here on loses nothing (a
  // crash after a sink took its digest sends it again next run: at least once, with the same
  // notification ids, so a receiver can drop the copy). The alert state is saved only once the
  // outbox is: saved alone, it would mark as told what was neither sent nor queued.
  const queuedSaved = state.write(OUTBOX_FILE, queued);
  if (queuedSaved) state.write(ALERT_STATE_FILE, decision.next);

  const deadline = options.deadline;
  const sinks = config.alerts.sinks.map((c) => {
    // A sink's own timeout is min(its timeout, what is left of the run).
    const bounded =
      deadline && "timeoutMs" in c ? { ...c, timeoutMs: deadline.bound(c.timeoutMs) } : c;
    return {
      sink: createSink(bounded, {
        env: process.env,
        logStream: options.logStream,
        trustPaths: config.settings.trustPaths,
        now: () => options.now,
      }),
      deadlineMs: sinkDeadlineMs(c),
    };
  });
  const { deliveries, outbox } = await deliverAll(sinks, queued, decision.open, {
    host,
    runAt: options.now.toISOString(),
    ...(deadline && { deadline }),
  });
  const finalSaved = state.write(OUTBOX_FILE, outbox);
  if (!queuedSaved && finalSaved) state.write(ALERT_STATE_FILE, decision.next);
  if (!queuedSaved && !finalSaved) {
    state.problems.push(
      `alert state not saved: the outbox could not be, so what this run announced counts as untold (announced again next run)`,
    );
  }
  // Either write keeps what the failed sinks still owe: both hold their queues.
  const outboxSaved = finalSaved || queuedSaved;
  // Not saved: the earlier runs' queue is still on disk as it was read; this run's additions are not.
  const onDisk = new Set(Object.values(stored.pending).flatMap((q) => q.map((n) => n.id)));
  const unsaved: Record<string, number> = {};
  if (!outboxSaved) {
    for (const [sink, queue] of Object.entries(outbox.pending)) {
      const count = queue.filter((n) => !onDisk.has(n.id)).length;
      if (count > 0) unsaved[sink] = count;
    }
  }
  return { notifications: decision.notifications, deliveries, orphaned, outboxSaved, unsaved };
}
