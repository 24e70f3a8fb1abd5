// What each sink sends, as text or JSON. Pure: a digest (and for Alertmanager the time) in,
// the message out, so every format is tested on plain data; the sinks (src/sinks/) only do the
// I/O, on the SinkMessage that message.ts assembles from these.
import { crypto } from "../shared/lazy-builtins.js";
import type { PostableAlert } from "../sinks/types.js";
import type { Digest, Notification } from "./types.js";

/** Plain-text mail is read in terminals and on phones: wrap what we write at this width. */
const WIDTH = 78;
/** A subject longer than this is cut: mail apps on a phone show about the first 60 characters. */
const SUBJECT_SUMMARY_MAX = 80;
/** A chat message should fit on a screen; the full details go to mail and webhooks. */
const CHAT_DETAILS_MAX = 10;

/** FIRING / REMINDER / RESOLVED / EVENT. */
export function statusWord(n: Notification): string {
  if (n.status === "firing") return n.reminder ? "REMINDER" : "FIRING";
  return n.status === "resolved" ? "RESOLVED" : "EVENT";
}

/** "3 firing, 1 resolved, 2 events": what the digest announces, counted. */
export function countLine(digest: Digest): string {
  const count = (status: Notification["status"]): number =>
    digest.notifications.filter((n) => n.status === status).length;
  const firing = count("firing");
  const resolved = count("resolved");
  const events = count("event");
  const parts: string[] = [];
  if (firing > 0) parts.push(`${firing} firing`);
  if (resolved > 0) parts.push(`${resolved} resolved`);
  if (events > 0) parts.push(`${events} event${events === 1 ? "" : "s"}`);
  return parts.join(", ");
}

export function emailSubject(digest: Digest): string {
  const prefix = `[cleanup] ${digest.host}: `;
  const dropped = digest.dropped > 0 ? ` (${digest.dropped} dropped)` : "";
  if (digest.test) return `${prefix}test alert${dropped}`;
  const only = digest.notifications.length === 1 ? digest.notifications[0] : undefined;
  if (only) return `${prefix}${subjectOf(only)}${dropped}`;
  const counts = countLine(digest);
  if (counts !== "") return `${prefix}${counts}${dropped}`;
  // Nothing new but notifications were lost: that alone is worth a message.
  return `${prefix}${digest.dropped} notification${digest.dropped === 1 ? "" : "s"} dropped`;
}

function subjectOf(n: Notification): string {
  const summary = cut(n.summary, SUBJECT_SUMMARY_MAX);
  const severity = n.severity.toUpperCase();
  if (n.status === "resolved") return `RESOLVED ${summary}`;
  if (n.status === "event") return n.severity === "info" ? summary : `${severity} ${summary}`;
  return `${n.reminder ? "still " : ""}${severity} ${summary}`;
}

export function emailBody(digest: Digest): string {
  const lines: string[] = [`cleanup on ${digest.host}, run at ${digest.runAt}`];
  const counts = countLine(digest);
  if (counts !== "") lines.push(`${counts}.`);
  if (digest.test) {
    lines.push(
      "",
      ...wrap(
        `This is a test message from cleanup on ${digest.host}: alerts sent to this ` +
          "address arrive. Nothing needs to be done.",
      ),
    );
  }
  if (digest.dropped > 0) lines.push("", ...wrap(droppedSentence(digest.dropped)));
  for (const n of digest.notifications) {
    lines.push("", `${statusWord(n)} (${n.severity})`, ...wrap(n.summary));
    // Details are pids and command lines: wrapping would break them where a reader greps.
    for (const detail of n.details) lines.push(`    ${detail}`);
    if (n.status === "event") lines.push(`at ${n.startsAt}`);
    else lines.push(`since ${n.startsAt}`);
    if (n.status === "resolved" && n.endsAt !== undefined) lines.push(`resolved at ${n.endsAt}`);
  }
  return `${lines.join("\n")}\n`;
}

function droppedSentence(dropped: number): string {
  return (
    `${dropped} earlier notification${dropped === 1 ? " was" : "s were"} dropped: the ` +
    "outbox was full while this sink could not deliver. `cleanup status` shows what is open now."
  );
}

/** One message for a Slack or Mattermost incoming webhook. */
export function slackText(digest: Digest): string {
  const counts = digest.test ? "test alert" : countLine(digest) || "nothing new";
  const dropped = digest.dropped > 0 ? ` (${digest.dropped} dropped)` : "";
  const lines = [`*cleanup on ${escapeSlack(digest.host)}*: ${counts}${dropped}`];
  for (const n of digest.notifications) {
    const when =
      n.status === "resolved" && n.endsAt !== undefined
        ? `resolved at ${n.endsAt}`
        : `${n.status === "event" ? "at" : "since"} ${n.startsAt}`;
    lines.push(`*${statusWord(n)}* ${n.severity}: ${escapeSlack(n.summary)} (${when})`);
    for (const detail of n.details.slice(0, CHAT_DETAILS_MAX)) {
      lines.push(`>${escapeSlack(detail)}`);
    }
    if (n.details.length > CHAT_DETAILS_MAX) {
      lines.push(`>… ${n.details.length - CHAT_DETAILS_MAX} more`);
    }
  }
  return lines.join("\n");
}

/**
 * Slack reads `<…>` as a link or a mention (`<!channel>` pings everyone) and wants `&` escaped;
 * a command line can hold any of them.
 */
function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export const WEBHOOK_VERSION = 1;

/** The generic webhook's body: the digest, versioned so a receiver can tell formats apart. */
export function webhookJson(digest: Digest): { version: typeof WEBHOOK_VERSION } & Digest {
  return {
    version: WEBHOOK_VERSION,
    host: digest.host,
    runAt: digest.runAt,
    test: digest.test,
    dropped: digest.dropped,
    notifications: digest.notifications,
    open: digest.open,
  };
}

/**
 * An occurrence (processes killed) has no end to report. Posted with an endsAt a minute ahead,
 * it is notified once (Alertmanager's default group_wait is 30 s) and then resolves on its own
 * instead of staying active until resolve_timeout or the ttl of a condition. A route whose
 * group_wait is longer than this would see it already resolved and may not notify it at all.
 */
export const OCCURRENCE_TTL_MS = 60_000;

/**
 * The body of POST /api/v2/alerts. Firing alerts (every open condition, and firing
 * notifications) end at now + ttl: each run re-posts what is still open, and one that is not
 * re-posted (the agent stopped running) resolves by itself after the ttl. A resolved
 * notification is posted with its endsAt, in the past, which makes Alertmanager resolve it now.
 */
export function alertmanagerPayload(digest: Digest, now: Date, ttlMs: number): PostableAlert[] {
  const nowMs = now.getTime();
  const iso = (ms: number): string => new Date(ms).toISOString();
  // One alert per key, the latest word winning: notifications are oldest first (a retried
  // "firing" from an earlier run is followed by this run's "resolved"), and the open list is
  // the state now, so it goes last.
  const byKey = new Map<string, PostableAlert>();
  const put = (n: Notification, endsAtMs: number): void => {
    const startsAtMs = Date.parse(n.startsAt);
    // Alertmanager refuses an alert that ends before it starts (clock steps, a bad retry).
    const endsAt = Number.isNaN(startsAtMs) ? endsAtMs : Math.max(endsAtMs, startsAtMs);
    byKey.delete(n.key);
    byKey.set(n.key, {
      labels: alertLabels(n),
      annotations: { ...annotationsOf(n.summary, n.details), notification_id: n.id },
      startsAt: n.startsAt,
      endsAt: iso(endsAt),
    });
  };
  const superseded: PostableAlert[] = [];
  for (const n of digest.notifications) {
    if (n.supersedes !== undefined) {
      // The same condition under its old severity label is another alert to Alertmanager.
      const old = { ...n, severity: n.supersedes };
      const endsAt = Math.max(nowMs, Date.parse(n.startsAt) || nowMs);
      superseded.push({
        labels: alertLabels(old),
        annotations: annotationsOf(n.summary, n.details),
        startsAt: n.startsAt,
        endsAt: iso(endsAt),
      });
    }
    if (n.status === "firing") put(n, nowMs + ttlMs);
    else if (n.status === "event") put(n, nowMs + OCCURRENCE_TTL_MS);
    else {
      // In the past, or Alertmanager would keep it active until then.
      const endsAt = n.endsAt === undefined ? nowMs : Date.parse(n.endsAt);
      put(n, Number.isNaN(endsAt) ? nowMs : Math.min(endsAt, nowMs));
    }
  }
  for (const n of digest.open) put(n, nowMs + ttlMs);
  const alerts = [...superseded, ...byKey.values()];
  if (digest.test && alerts.length === 0) {
    // `cleanup alert test` must reach the receivers, not only the API: a real, short-lived alert.
    alerts.push({
      labels: {
        alertname: "CleanupTest",
        host: digest.host,
        instance: digest.host,
        severity: "info",
      },
      annotations: { summary: `test alert from cleanup on ${digest.host}` },
      startsAt: now.toISOString(),
      endsAt: iso(nowMs + OCCURRENCE_TTL_MS),
    });
  }
  return alerts;
}

/**
 * The notification's labels, then alertname, host, instance and severity (ours win).
 * Alertmanager takes label names of [a-zA-Z_][a-zA-Z0-9_]* only; an empty value means "no such
 * label" there. `instance` is where Prometheus users look for the machine (routes, silences,
 * inhibit rules); `host` stays as well, for the routes and silences written before it was added.
 */
export function alertLabels(n: Notification): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(n.labels)) {
    if (value !== "") labels[labelName(name)] = String(value);
  }
  labels.alertname = n.labels.alertname || n.key;
  labels.host = n.host;
  labels.instance = n.host;
  labels.severity = n.severity;
  return labels;
}

export function labelName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_]/g, "_");
  return /^[a-zA-Z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

/**
 * The e-mail's own id, from its host and notification ids: a digest sent again after a crash
 * (the outbox keeps it until the sink accepted it) carries the same Message-ID, which mail
 * stores and list servers use to drop the copy; X-Cleanup-Notification-Ids lists each
 * notification's id for a receiver that dedups per notification. None for a digest of nothing
 * new (a test, or only a dropped count): such a message is its own.
 */
export function emailIdHeaders(
  digest: Digest,
): { messageId: string; headers: Record<string, string> } | null {
  if (digest.notifications.length === 0) return null;
  const ids = digest.notifications.map((n) => n.id);
  const hash = crypto()
    .createHash("sha256")
    .update(`${digest.host}\0${ids.join("\0")}`)
    .digest("hex");
  const domain =
    digest.host.replace(/[^A-Za-z0-9.-]/g, "-").replace(/^[.-]+|[.-]+$/g, "") || "localhost";
  return {
    messageId: `<cleanup.${hash.slice(0, 32)}@${domain}>`,
    headers: { "X-Cleanup-Notification-Ids": ids.join(" ") },
  };
}

function annotationsOf(summary: string, details: readonly string[]): Record<string, string> {
  return { summary, description: details.join("\n") };
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Greedy word wrap at WIDTH; a word longer than the line stays whole on its own line. */
export function wrap(text: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line === "") line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== "" || lines.length === 0) lines.push(line);
  return lines;
}
