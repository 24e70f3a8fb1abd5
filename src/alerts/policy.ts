// When to tell: a condition alerts once when it starts (after `for` runs in a row, so a blip
// pages nobody), again only as a reminder (`remind`) or when its severity changes, and
// once more when it clears. Occurrences are told each time. Pure: events, the previous state and the time in;
// notifications and the next state out.
import type { AlertPolicy } from "../config/types.js";
import { isCount, isRecord, isString, isStringArray, isStringRecord } from "../state/shape.js";
import type { Parsed, Rejected } from "../state/store.js";
import type { AlertEvent, Notification, Reading } from "./types.js";

export const ALERT_STATE_FILE = "alerts.json";
export const ALERT_STATE_VERSION = 1;

export interface OpenAlert {
  severity: AlertEvent["severity"];
  summary: string;
  details: string[];
  labels: Record<string, string>;
  /** Runs in a row the condition was seen. */
  consecutive: number;
  firstSeenAt: string;
  /** Set once it alerted: when the condition counts as started, and when it was last told. */
  startsAt?: string;
  lastNotifiedAt?: string;
  /**
   * The event's reading ("91.3%, warn") when it was last told, for the recovery's "was …".
   * Absent in state files of earlier versions, which stay readable: their recovery says the old
   * summary in a detail line instead.
   */
  reading?: string;
}

export interface AlertState {
  version: typeof ALERT_STATE_VERSION;
  open: Record<string, OpenAlert>;
}

export function emptyAlertState(): AlertState {
  return { version: ALERT_STATE_VERSION, open: {} };
}

const SEVERITIES: readonly unknown[] = ["info", "warning", "critical"];

function openAlertProblem(a: unknown): string | null {
  if (!isRecord(a)) return "not an open alert";
  if (!SEVERITIES.includes(a.severity)) return "severity is not info, warning or critical";
  if (!isString(a.summary)) return "summary is not a text";
  if (!isStringArray(a.details)) return "details is not a list of texts";
  if (!isStringRecord(a.labels)) return "labels is not a mapping of texts";
  if (!isCount(a.consecutive)) return "consecutive is not a count";
  if (!isString(a.firstSeenAt)) return "firstSeenAt is not a text";
  for (const key of ["startsAt", "lastNotifiedAt", "reading"] as const) {
    if (a[key] !== undefined && !isString(a[key])) return `${key} is not a text`;
  }
  return null;
}

/**
 * The alert state, alert by alert: a bad entry is taken out alone (set aside in
 * alerts.rejected-TIME.json), so the other open alerts are not announced again.
 */
export function parseAlertState(data: unknown): Parsed<AlertState> {
  const open = (data as Record<string, unknown>).open;
  if (!isRecord(open)) return { ok: false, problem: "open alerts missing" };
  const rejected: Rejected[] = [];
  const good: [string, OpenAlert][] = [];
  for (const [key, alert] of Object.entries(open)) {
    const problem = openAlertProblem(alert);
    if (problem === null) good.push([key, alert as unknown as OpenAlert]);
    else rejected.push({ where: `open.${key}`, problem, value: alert });
  }
  return {
    ok: true,
    data: { version: ALERT_STATE_VERSION, open: Object.fromEntries(good) },
    rejected,
  };
}

export interface Decision {
  /** To announce now. */
  notifications: Notification[];
  /** Every condition that has alerted and still stands (Alertmanager re-posts them each run). */
  open: Notification[];
  next: AlertState;
}

export function decide(
  events: readonly AlertEvent[],
  previous: AlertState,
  now: Date,
  host: string,
  policyFor: (key: string) => AlertPolicy,
  /**
   * Conditions this run could not judge (the scan failed; the metric is unknown now): kept open
   * as they were, neither resolved nor re-announced.
   */
  keepOpen: (key: string) => boolean = () => false,
  /** How cleared conditions read now (see currentReadings): a recovery says the value now. */
  readings: ReadonlyMap<string, Reading> = new Map(),
): Decision {
  const at = now.toISOString();
  const notifications: Notification[] = [];
  const open: Notification[] = [];
  const next: AlertState = { version: ALERT_STATE_VERSION, open: {} };
  const make = (
    e: Pick<AlertEvent, "key" | "severity" | "summary" | "details" | "labels">,
    status: Notification["status"],
    startsAt: string,
    extra: Partial<Notification> = {},
  ): Notification => ({
    id: `${e.key}@${at}#${status}`,
    key: e.key,
    status,
    reminder: false,
    severity: e.severity,
    summary: e.summary,
    details: e.details,
    labels: e.labels,
    host,
    startsAt,
    createdAt: at,
    ...extra,
  });

  for (const event of events) {
    if (event.kind === "occurrence") {
      notifications.push(make(event, "event", at));
      continue;
    }
    const policy = policyFor(event.key);
    const before = previous.open[event.key];
    const state: OpenAlert = {
      severity: event.severity,
      summary: event.summary,
      details: event.details,
      labels: event.labels,
      consecutive: (before?.consecutive ?? 0) + 1,
      firstSeenAt: before?.firstSeenAt ?? at,
      ...(before?.startsAt && { startsAt: before.startsAt }),
      ...(before?.lastNotifiedAt && { lastNotifiedAt: before.lastNotifiedAt }),
      ...(before?.reading !== undefined && { reading: before.reading }),
    };
    const told = (): void => {
      state.lastNotifiedAt = at;
      if (event.reading !== undefined) state.reading = event.reading;
      else delete state.reading;
    };
    if (state.startsAt === undefined) {
      if (state.consecutive >= policy.forRuns) {
        state.startsAt = state.firstSeenAt;
        told();
        notifications.push(make(event, "firing", state.startsAt));
      }
    } else {
      // Worse or better: told at once (and Alertmanager's alert under the old severity resolved).
      const changed = before !== undefined && event.severity !== before.severity;
      const due =
        policy.remindMs !== null &&
        now.getTime() - Date.parse(state.lastNotifiedAt ?? at) >= policy.remindMs;
      if (changed || due) {
        told();
        const extra = changed
          ? { reminder: false, supersedes: before.severity }
          : { reminder: true };
        notifications.push(make(event, "firing", state.startsAt, extra));
      }
    }
    if (state.startsAt !== undefined) open.push(make(event, "firing", state.startsAt));
    next.open[event.key] = state;
  }

  const seen = new Set(events.map((e) => e.key));
  for (const [key, before] of Object.entries(previous.open)) {
    if (seen.has(key)) continue;
    if (keepOpen(key)) {
      next.open[key] = before;
      if (before.startsAt !== undefined)
        open.push(make({ key, ...before }, "firing", before.startsAt));
      continue;
    }
    if (before.startsAt === undefined || !policyFor(key).recovery) continue;
    notifications.push(
      make({ key, ...recovery(before, readings.get(key)) }, "resolved", before.startsAt, {
        endsAt: at,
      }),
    );
  }
  return { notifications, open, next };
}

/**
 * What a recovery says: the value now and what it was when last told ("disk /x space used 2.4%
 * (was 91.3%, warn)"). A condition without a value now (a rule that matches nothing any more, a
 * service healthy again) says what is no longer so.
 */
function recovery(
  before: OpenAlert,
  now: Reading | undefined,
): Pick<AlertEvent, "severity" | "summary" | "details" | "labels"> {
  const { severity, labels } = before;
  if (!now)
    return { severity, labels, summary: `no longer: ${before.summary}`, details: before.details };
  if (before.reading === undefined)
    return {
      severity,
      labels,
      summary: now.summary,
      details: [...now.details, `was: ${before.summary}`],
    };
  return {
    severity,
    labels,
    summary: `${now.summary} (was ${before.reading})`,
    details: now.details,
  };
}

/** A rule's (or service's) own for/remind override the global policy for the alerts that name it. */
export function policyLookup(
  global: AlertPolicy,
  rules: readonly { name: string; forRuns?: number; remindMs?: number }[],
  services: readonly { name: string; forRuns?: number; remindMs?: number }[] = [],
): (key: string) => AlertPolicy {
  const byRule = new Map(rules.map((r) => [r.name, r]));
  const byService = new Map(services.map((s) => [s.name, s]));
  return (key) => {
    const name = key.slice(key.indexOf(":") + 1);
    const own = /^(rule|budget|kill-failed|killed):/.test(key)
      ? byRule.get(name)
      : /^(health|pid-file-[a-z]+|untracked):/.test(key)
        ? byService.get(name)
        : undefined;
    if (!own) return global;
    return {
      forRuns: own.forRuns ?? global.forRuns,
      remindMs: own.remindMs ?? global.remindMs,
      recovery: global.recovery,
    };
  };
}
