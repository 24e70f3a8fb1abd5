// The log sink's records of a digest: one per notification, then one for a test message with
// nothing in it and one for dropped notifications. Pure, like format.ts; the sink renders them
// as JSON lines or terminal lines. Levels (and so journald priorities, see shared/log-line.ts):
// critical → error, warning → warn, a kill (an occurrence, the only kind at info) → notice, a
// resolved condition and any other info → info.
import type { LogRecord } from "../sinks/types.js";
import { statusWord } from "./format.js";
import type { Digest, Notification } from "./types.js";

const LOG_LEVEL = { info: "info", warning: "warn", critical: "error" } as const;

function levelOf(n: Notification): LogRecord["level"] {
  if (n.status === "resolved") return "info";
  // Something the agent did, as it should: worth more than info to `journalctl -p notice`.
  if (n.status === "event" && n.severity === "info") return "notice";
  return LOG_LEVEL[n.severity];
}

export function logRecords(digest: Digest): LogRecord[] {
  const extra = digest.test ? { test: true } : {};
  const records: LogRecord[] = digest.notifications.map((n) => ({
    level: levelOf(n),
    at: n.createdAt,
    summary: n.summary,
    // A new firing alert reads as itself; anything else says what it is.
    prefix: n.status === "firing" && !n.reminder ? "" : `${statusWord(n).toLowerCase()}: `,
    fields: {
      key: n.key,
      status: n.status,
      ...(n.reminder && { reminder: true }),
      severity: n.severity,
      details: n.details,
      host: n.host,
      startsAt: n.startsAt,
      ...(n.endsAt !== undefined && { endsAt: n.endsAt }),
      ...extra,
    },
  }));
  if (digest.test && digest.notifications.length === 0) {
    records.push({
      level: "info",
      at: digest.runAt,
      summary: `test alert from cleanup on ${digest.host}`,
      prefix: "",
      fields: { host: digest.host, test: true },
    });
  }
  if (digest.dropped > 0) {
    records.push({
      level: "warn",
      at: digest.runAt,
      summary: `${digest.dropped} alert notification${digest.dropped === 1 ? " was" : "s were"} dropped (outbox full)`,
      prefix: "",
      fields: { host: digest.host, dropped: digest.dropped },
    });
  }
  return records;
}
