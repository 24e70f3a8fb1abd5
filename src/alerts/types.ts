// Alerts: what a run has to say (events), what it decides to send (notifications), and where
// (sinks). Events and notifications are plain data; only sinks do I/O.
import type { SinkType } from "../sinks/registry.js";

export type AlertSeverity = "info" | "warning" | "critical";

/** Something a run found. Conditions last across runs; occurrences happen once (a kill). */
export interface AlertEvent {
  /** Stable across runs: "threshold:memory", "rule:uvicorn-reload", "budget:orphans", … */
  key: string;
  kind: "condition" | "occurrence";
  severity: AlertSeverity;
  /** One line, e.g. "memory in use 87.2%: critical (warn 75%, critical 85%)". */
  summary: string;
  /** The facts, a line each: pids and command lines, values, limits. */
  details: string[];
  /** For Alertmanager and webhooks: alertname, rule, resource, target … (host, instance and severity are added). */
  labels: Record<string, string>;
  /**
   * A condition with a value: how the alert tells it, e.g. "91.3%, warn". The policy keeps the one
   * last told, so a recovery can say what it was ("… 2.4% (was 91.3%, warn)").
   */
  reading?: string;
}

/** A cleared condition as it reads now ("disk /x space used 2.4%"), with its details. */
export interface Reading {
  summary: string;
  details: string[];
}

/** What is sent. */
export interface Notification {
  /** Unique: the outbox removes a notification once a sink accepted it. */
  id: string;
  key: string;
  /** firing: a condition started (or a reminder while it lasts); resolved: it cleared; event: an occurrence. */
  status: "firing" | "resolved" | "event";
  reminder: boolean;
  severity: AlertSeverity;
  summary: string;
  details: string[];
  labels: Record<string, string>;
  host: string;
  /** When the condition started (ISO 8601). */
  startsAt: string;
  /** When it cleared (resolved only). */
  endsAt?: string;
  /** When this notification was made. */
  createdAt: string;
  /**
   * The severity this one replaces, when a standing condition changed severity. Severity is a
   * label to Alertmanager, so the alert under the old one must be resolved explicitly.
   */
  supersedes?: AlertSeverity;
}

/** One message per run per sink. */
export interface Digest {
  host: string;
  /** When the run that sends it started. */
  runAt: string;
  /** Test message from `cleanup alert test`. */
  test: boolean;
  /** What to announce, oldest first (includes retries of earlier runs' undelivered ones). */
  notifications: Notification[];
  /**
   * Every condition open now, firing. Alertmanager needs them re-posted each run (it resolves an
   * alert that is not repeated within its endsAt); mail and webhooks use `notifications` only.
   */
  open: Notification[];
  /** Notifications this sink lost to the outbox limit since its last successful delivery. */
  dropped: number;
}

export interface Sink {
  name: string;
  type: SinkType;
  /** Resolves once the receiver accepted the digest; rejects with a message saying why not. */
  send(digest: Digest, signal: AbortSignal): Promise<void>;
}
