import { describe, expect, it } from "vitest";
import {
  alertLabels,
  alertmanagerPayload,
  emailBody,
  emailSubject,
  labelName,
  OCCURRENCE_TTL_MS,
  slackText,
  webhookJson,
  wrap,
} from "../../../src/alerts/format.js";
import type { Digest, Notification } from "../../../src/alerts/types.js";

const RUN_AT = "2026-11-23T18:00:00.000Z";
const NOW = new Date(RUN_AT);
const TTL = 2 * 3600_000;

function notification(over: Partial<Notification> = {}): Notification {
  const key = over.key ?? "threshold:memory";
  const status = over.status ?? "firing";
  return {
    id: `${key}@${RUN_AT}#${status}`,
    key,
    status,
    reminder: false,
    severity: "critical",
    summary: "memory in use 87.2%",
    details: ["value 87.2%, warn 75%, critical 85%"],
    labels: { alertname: "CleanupThreshold", resource: "memory" },
    host: "web-3",
    startsAt: "2026-11-23T17:00:00.000Z",
    createdAt: RUN_AT,
    ...over,
  };
}

const memory = notification();
const uvicorn = notification({
  key: "rule:uvicorn-reload",
  severity: "warning",
  summary: "uvicorn-reload: 2 processes (orphaned; older than 1h)",
  details: [
    "pid 4242 (app, age 3h, rss 1.2 GiB) /usr/bin/python3 -c from multiprocessing.spawn import spawn_main",
    "pid 4243 (app, age 3h, rss 1.1 GiB) /usr/bin/python3 -c from multiprocessing.spawn import spawn_main",
  ],
  labels: { alertname: "CleanupRule", rule: "uvicorn-reload" },
});
const diskResolved = notification({
  key: "threshold:disk:/",
  status: "resolved",
  severity: "warning",
  summary: "disk / space used 42.0% (was 81.0%, warn)",
  details: [],
  labels: { alertname: "CleanupThreshold", resource: "disk", target: "/" },
  startsAt: "2026-11-23T15:00:00.000Z",
  endsAt: RUN_AT,
});
const killed = notification({
  key: "killed:mp-orphans",
  status: "event",
  severity: "info",
  summary: "mp-orphans: killed 3 processes, 3.4 GiB resident freed",
  details: ["pid 100 (app, age 2h, rss 1.1 GiB) python3 worker.py"],
  labels: { alertname: "CleanupKilled", rule: "mp-orphans" },
  startsAt: RUN_AT,
});

function digest(notifications: Notification[], over: Partial<Digest> = {}): Digest {
  return {
    host: "web-3",
    runAt: RUN_AT,
    test: false,
    notifications,
    open: notifications.filter((n) => n.status === "firing"),
    dropped: 0,
    ...over,
  };
}

describe("emailSubject", () => {
  it("names the one notification with its severity", () => {
    expect(emailSubject(digest([memory]))).toBe("[cleanup] web-3: CRITICAL memory in use 87.2%");
  });

  it("says resolved, still (a reminder), and leaves an info event plain", () => {
    expect(emailSubject(digest([diskResolved]))).toBe(
      "[cleanup] web-3: RESOLVED disk / space used 42.0% (was 81.0%, warn)",
    );
    expect(emailSubject(digest([{ ...memory, reminder: true }]))).toBe(
      "[cleanup] web-3: still CRITICAL memory in use 87.2%",
    );
    expect(emailSubject(digest([killed]))).toBe(
      "[cleanup] web-3: mp-orphans: killed 3 processes, 3.4 GiB resident freed",
    );
  });

  it("counts several", () => {
    expect(emailSubject(digest([memory, uvicorn, diskResolved, killed]))).toBe(
      "[cleanup] web-3: 2 firing, 1 resolved, 1 event",
    );
  });

  it("says test alert for a test digest", () => {
    expect(emailSubject(digest([], { test: true }))).toBe("[cleanup] web-3: test alert");
  });

  it("mentions dropped notifications", () => {
    expect(emailSubject(digest([memory], { dropped: 4 }))).toBe(
      "[cleanup] web-3: CRITICAL memory in use 87.2% (4 dropped)",
    );
    expect(emailSubject(digest([], { dropped: 1 }))).toBe(
      "[cleanup] web-3: 1 notification dropped",
    );
  });

  it("cuts a long summary to stay readable on a phone", () => {
    const subject = emailSubject(digest([{ ...memory, summary: "x".repeat(300) }]));
    expect(subject.length).toBeLessThan(120);
    expect(subject.endsWith("…")).toBe(true);
  });
});

describe("emailBody", () => {
  it("one firing: host and run time first, then the block", () => {
    expect(emailBody(digest([memory]))).toBe(
      [
        "cleanup on web-3, run at 2026-11-23T18:00:00.000Z",
        "1 firing.",
        "",
        "FIRING (critical)",
        "memory in use 87.2%",
        "    value 87.2%, warn 75%, critical 85%",
        "since 2026-11-23T17:00:00.000Z",
        "",
      ].join("\n"),
    );
  });

  it("several, mixed: each status, details indented, since / resolved at / at", () => {
    const body = emailBody(digest([memory, { ...uvicorn, reminder: true }, diskResolved, killed]));
    expect(body).toContain("2 firing, 1 resolved, 1 event.");
    expect(body).toContain(
      "REMINDER (warning)\nuvicorn-reload: 2 processes (orphaned; older than 1h)\n    pid 4242 (app, age 3h, rss 1.2 GiB)",
    );
    expect(body).toContain(
      "RESOLVED (warning)\ndisk / space used 42.0% (was 81.0%, warn)\nsince 2026-11-23T15:00:00.000Z\nresolved at 2026-11-23T18:00:00.000Z",
    );
    expect(body).toContain(
      "EVENT (info)\nmp-orphans: killed 3 processes, 3.4 GiB resident freed\n    pid 100 (app, age 2h, rss 1.1 GiB) python3 worker.py\nat 2026-11-23T18:00:00.000Z",
    );
    expect(body).not.toMatch(/<[a-z]+>/i);
  });

  it("wraps what it writes at 78 columns but never a detail line", () => {
    const long = {
      ...uvicorn,
      summary: "a summary that goes on and on ".repeat(6).trim(),
    };
    const lines = emailBody(digest([long], { dropped: 12, test: true })).split("\n");
    for (const line of lines.filter((l) => !l.startsWith("    pid"))) {
      expect(line.length).toBeLessThanOrEqual(78);
    }
    expect(lines.some((l) => l.startsWith("    pid 4242") && l.length > 78)).toBe(true);
  });

  it("test digest and dropped notifications each get a sentence", () => {
    const body = emailBody(digest([], { test: true, dropped: 3 }));
    expect(body).toContain("This is a test message from cleanup on web-3");
    expect(body).toContain("3 earlier notifications were dropped");
  });
});

describe("slackText", () => {
  it("one message: a heading line, a line per notification, details quoted", () => {
    expect(slackText(digest([memory, diskResolved], { dropped: 2 }))).toBe(
      [
        "*cleanup on web-3*: 1 firing, 1 resolved (2 dropped)",
        "*FIRING* critical: memory in use 87.2% (since 2026-11-23T17:00:00.000Z)",
        ">value 87.2%, warn 75%, critical 85%",
        "*RESOLVED* warning: disk / space used 42.0% (was 81.0%, warn) (resolved at 2026-11-23T18:00:00.000Z)",
      ].join("\n"),
    );
  });

  it("escapes what Slack would read as a mention or a link", () => {
    const text = slackText(digest([{ ...killed, details: ["sh -c 'a <!channel> && b > c'"] }]));
    expect(text).toContain(">sh -c 'a &lt;!channel&gt; &amp;&amp; b &gt; c'");
    expect(text).not.toContain("<!channel>");
  });

  it("test digest", () => {
    expect(slackText(digest([], { test: true }))).toBe("*cleanup on web-3*: test alert");
  });
});

describe("webhookJson", () => {
  it("is the digest with a version", () => {
    const d = digest([memory, killed], { dropped: 1 });
    const json = JSON.parse(JSON.stringify(webhookJson(d))) as Record<string, unknown>;
    expect(json).toEqual({ version: 1, ...JSON.parse(JSON.stringify(d)) });
  });
});

describe("alertmanagerPayload", () => {
  it("a firing alert: labels, annotations, endsAt = now + ttl", () => {
    expect(alertmanagerPayload(digest([uvicorn]), NOW, TTL)).toEqual([
      {
        labels: {
          alertname: "CleanupRule",
          rule: "uvicorn-reload",
          host: "web-3",
          instance: "web-3",
          severity: "warning",
        },
        annotations: {
          summary: "uvicorn-reload: 2 processes (orphaned; older than 1h)",
          description: `${uvicorn.details[0]}\n${uvicorn.details[1]}`,
          notification_id: uvicorn.id,
        },
        startsAt: "2026-11-23T17:00:00.000Z",
        endsAt: "2026-11-23T20:00:00.000Z",
      },
    ]);
  });

  it("a resolved alert ends at its endsAt, in the past; an occurrence a minute from now", () => {
    const earlier = { ...diskResolved, endsAt: "2026-11-23T17:30:00.000Z" };
    const [resolved, event] = alertmanagerPayload(digest([earlier, killed]), NOW, TTL);
    expect(resolved?.endsAt).toBe("2026-11-23T17:30:00.000Z");
    expect(resolved?.labels).toEqual({
      alertname: "CleanupThreshold",
      resource: "disk",
      target: "/",
      host: "web-3",
      instance: "web-3",
      severity: "warning",
    });
    expect(resolved?.annotations.description).toBe("");
    // What Alertmanager's resolved message shows: the value now, and what it was.
    expect(resolved?.annotations.summary).toBe("disk / space used 42.0% (was 81.0%, warn)");
    expect(event?.startsAt).toBe(RUN_AT);
    expect(Date.parse(event!.endsAt) - NOW.getTime()).toBe(OCCURRENCE_TTL_MS);
  });

  it("a resolved alert is never posted with an end in the future (it would stay active)", () => {
    const skewed = { ...diskResolved, endsAt: "2026-11-23T18:05:00.000Z" };
    expect(alertmanagerPayload(digest([skewed]), NOW, TTL)[0]?.endsAt).toBe(RUN_AT);
  });

  it("re-posts open conditions that have no notification this run", () => {
    const payload = alertmanagerPayload(digest([killed], { open: [memory] }), NOW, TTL);
    expect(payload.map((a) => a.labels.alertname)).toEqual(["CleanupKilled", "CleanupThreshold"]);
    expect(payload[1]?.endsAt).toBe("2026-11-23T20:00:00.000Z");
  });

  it("one alert per key: the open list and the latest notification win", () => {
    const oldFiring = { ...uvicorn, createdAt: "2026-11-23T17:00:00.000Z" };
    const nowResolved = { ...uvicorn, status: "resolved" as const, endsAt: RUN_AT };
    // A retried firing from an earlier run, then this run's resolution: resolved.
    const resolved = alertmanagerPayload(digest([oldFiring, nowResolved], { open: [] }), NOW, TTL);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]?.endsAt).toBe(RUN_AT);
    // A retried resolution, then the condition came back and is open: firing.
    const firing = alertmanagerPayload(
      digest([nowResolved, memory], { open: [memory, uvicorn] }),
      NOW,
      TTL,
    );
    expect(firing).toHaveLength(2);
    expect(firing.every((a) => a.endsAt === "2026-11-23T20:00:00.000Z")).toBe(true);
  });

  it("a test digest with nothing to say posts a short-lived test alert", () => {
    const [alert, ...rest] = alertmanagerPayload(digest([], { test: true }), NOW, TTL);
    expect(rest).toEqual([]);
    expect(alert?.labels).toEqual({
      alertname: "CleanupTest",
      host: "web-3",
      instance: "web-3",
      severity: "info",
    });
    expect(Date.parse(alert!.endsAt) - NOW.getTime()).toBe(OCCURRENCE_TTL_MS);
  });

  it("label names made valid, values strings, empty values left out; ours win", () => {
    expect(labelName("mount-point")).toBe("mount_point");
    expect(labelName("9lives")).toBe("_9lives");
    expect(labelName("ok_Name1")).toBe("ok_Name1");
    const labels = alertLabels(
      notification({
        key: "threshold:cpu",
        labels: {
          "mount.point": "/data",
          empty: "",
          host: "spoofed",
          instance: "spoofed:9100",
          severity: "info",
        },
      }),
    );
    expect(labels).toEqual({
      mount_point: "/data",
      alertname: "threshold:cpu",
      host: "web-3",
      instance: "web-3",
      severity: "critical",
    });
    for (const name of Object.keys(labels)) expect(name).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
  });
});

describe("wrap", () => {
  it("breaks at spaces; keeps a word longer than the line whole", () => {
    expect(wrap("aaa bbb ccc", 7)).toEqual(["aaa bbb", "ccc"]);
    expect(wrap(`x ${"y".repeat(10)} z`, 5)).toEqual(["x", "yyyyyyyyyy", "z"]);
    expect(wrap("", 5)).toEqual([""]);
  });
});

describe("alertmanagerPayload: a change of severity", () => {
  it("resolves the alert under the old severity label, and fires the new one", async () => {
    const { alertmanagerPayload } = await import("../../../src/alerts/format.js");
    const now = new Date(Date.UTC(2026, 10, 23, 12));
    const n = {
      id: "threshold:memory@x#firing",
      key: "threshold:memory",
      status: "firing" as const,
      reminder: false,
      severity: "warning" as const,
      supersedes: "critical" as const,
      summary: "memory in use 80.0%: warn",
      details: [],
      labels: { alertname: "CleanupThreshold", resource: "memory" },
      host: "web-3",
      startsAt: new Date(Date.UTC(2026, 10, 23, 10)).toISOString(),
      createdAt: now.toISOString(),
    };
    const payload = alertmanagerPayload(
      {
        host: "web-3",
        runAt: now.toISOString(),
        test: false,
        notifications: [n],
        open: [n],
        dropped: 0,
      },
      now,
      7_200_000,
    );
    expect(payload.map((a) => [a.labels.severity, a.endsAt])).toEqual([
      ["critical", now.toISOString()],
      ["warning", new Date(now.getTime() + 7_200_000).toISOString()],
    ]);
  });
});
