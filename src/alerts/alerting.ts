// One run's alerting: decide what to tell (policy), then, in a live run, queue it in the outbox,
// save the alert state, deliver, and save the outbox again. A dry run or `status` decides and
// shows what would be sent, and changes nothing.
import { hostname } from "node:os";
import type { Config } from "../config/types.js";
import type { Deadline } from "../deadline.js";
import type { StateFiles } from "../state/reader.js";
import { deliverAll, sinkDeadlineMs, type Delivery } from "./deliver.js";
import {
  OUTBOX_FILE,
  OUTBOX_VERSION,
  checkOutbox,
  emptyOutbox,
  enqueue,
  type Outbox,
} from "./outbox.js";
import {
  ALERT_STATE_FILE,
  ALERT_STATE_VERSION,
  checkAlertState,
  decide,
  emptyAlertState,
  policyLookup,
  type AlertState,
} from "./policy.js";
import { createSink } from "./sinks.js";
import type { AlertEvent, Notification } from "./types.js";

export interface AlertingReport {
  /** What this run decided to announce (sent, or queued, or in a dry run: would be sent). */
  notifications: Notification[];
  /** Per sink, in a live run. */
  deliveries: Delivery[];
  /** Queues of sinks no longer in the config, given up: sink → notifications lost. */
  orphaned: Record<string, number>;
}

export interface AlertingOptions {
  config: Config;
  stateDir: string;
  live: boolean;
  state: StateFiles;
  now: Date;
  /** Where the log sink writes: stdout, or stderr when stdout carries --json. */
  logStream: NodeJS.WritableStream;
  /** Conditions this run could not judge: kept open (see decide). */
  keepOpen?: (key: string) => boolean;
  /** The run's: no delivery starts past it, and none outlives it (each sink's timeout is cut). */
  deadline?: Deadline;
}

export async function runAlerting(
  events: readonly AlertEvent[],
  options: AlertingOptions,
): Promise<AlertingReport> {
  const { config, state } = options;
  const host = hostname();
  const previous =
    state.read<AlertState>(ALERT_STATE_FILE, ALERT_STATE_VERSION, checkAlertState) ??
    emptyAlertState();
  const decision = decide(
    events,
    previous,
    options.now,
    host,
    policyLookup(config.alerts, config.rules, config.services),
    options.keepOpen,
  );
  if (!options.live) return { notifications: decision.notifications, deliveries: [], orphaned: {} };

  const sinkNames = config.alerts.sinks.map((s) => s.name);
  const stored = state.read<Outbox>(OUTBOX_FILE, OUTBOX_VERSION, checkOutbox) ?? emptyOutbox();
  const { outbox: queued, orphaned } = enqueue(
    stored,
    sinkNames,
    decision.notifications,
    config.alerts.outboxLimit,
  );
  // Stored before any delivery: a crash or a dead mail server from here on loses nothing.
  state.write(OUTBOX_FILE, queued);
  state.write(ALERT_STATE_FILE, decision.next);

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
      }),
      deadlineMs: sinkDeadlineMs(c),
    };
  });
  const { deliveries, outbox } = await deliverAll(sinks, queued, decision.open, {
    host,
    runAt: options.now.toISOString(),
    ...(deadline && { deadline }),
  });
  state.write(OUTBOX_FILE, outbox);
  return { notifications: decision.notifications, deliveries, orphaned };
}
