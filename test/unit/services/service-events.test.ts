// serviceEvents: a service's findings as alert events, on hand-built reports.
import { describe, expect, it } from "vitest";
import { ref } from "../../../src/rules/plan.js";
import type { PidFileEntry } from "../../../src/services/assess.js";
import { serviceEvents } from "../../../src/services/service-events.js";
import { DAY, proc } from "../../helpers/fixtures.js";
import { HEALTH_URL, healthReport, serviceReport } from "../../helpers/services.js";

const REASON = 'status is "unhealthy" (expected "healthy")';

function stale(path: string, pid: number, removal?: PidFileEntry["removal"]): PidFileEntry {
  return {
    service: "worker",
    path,
    pid,
    kind: "stale",
    detail: `pid ${pid} is not running (file written 1h ago)`,
    ...(removal && { removal }),
  };
}

describe("serviceEvents: health", () => {
  it("an alert names the health URL without its credentials", () => {
    const [event] = serviceEvents([
      serviceReport({
        name: "worker",
        health: healthReport({ url: "http://probe:s3cret@127.0.0.1:9091/health" }),
      }),
    ]);
    expect(event!.details[0]).toBe(`GET ${HEALTH_URL}: ${REASON}`);
    expect(JSON.stringify(event)).not.toContain("s3cret");
  });

  it("an unhealthy service: one condition with the probe, the failures, body, values, holders and note", () => {
    const holder = proc({ pid: 200, argv: ["python3", "worker.py"] });
    const events = serviceEvents([
      serviceReport({
        name: "worker",
        health: healthReport({
          failures: 3,
          killAfter: 3,
          values: [
            { label: "cpu", value: "12.5" },
            { label: "memory", value: null },
            { label: "uptime", value: "447" },
          ],
          holders: [
            { pid: 200, command: ref(holder), stale: false, reasons: ["first", "second"] },
            { pid: 201, command: ref(holder), stale: true, reasons: ["older"] },
          ],
          killNote: "not every process on the port is stale by the rules: nothing is killed",
        }),
      }),
    ]);
    expect(events).toEqual([
      {
        key: "health:worker",
        kind: "condition",
        severity: "warning",
        summary: `service worker is unhealthy: ${REASON}`,
        details: [
          `GET ${HEALTH_URL}: ${REASON}`,
          "failed 3 runs in a row (kill_after 3)",
          'body: {"status":"unhealthy"}',
          "cpu 12.5, uptime 447",
          "pid 200 on the port: not stale: first; second",
          "pid 201 on the port: stale: older",
          "not every process on the port is stale by the rules: nothing is killed",
        ],
        labels: { alertname: "CleanupServiceHealth", service: "worker" },
      },
    ]);
  });

  it("unreachable after one failure without kill_after: no body, values or holders lines", () => {
    const events = serviceEvents([
      serviceReport({
        name: "api",
        severity: "critical",
        health: healthReport({
          status: "unreachable",
          httpStatus: null,
          reason: "connection refused",
          body: null,
          values: [{ label: "cpu", value: null }],
          failures: 1,
        }),
      }),
    ]);
    expect(events).toEqual([
      {
        key: "health:api",
        kind: "condition",
        severity: "critical",
        summary: "service api is unreachable: connection refused",
        details: [`GET ${HEALTH_URL}: connection refused`, "failed 1 run in a row"],
        labels: { alertname: "CleanupServiceHealth", service: "api" },
      },
    ]);
  });

  it("a healthy service, or one without a probe, raises nothing", () => {
    expect(
      serviceEvents([
        serviceReport({
          name: "worker",
          health: healthReport({ status: "healthy", reason: "HTTP 200", failures: 0 }),
        }),
        serviceReport({ name: "plain" }),
      ]),
    ).toEqual([]);
  });
});

describe("serviceEvents: PID files", () => {
  it("stale files left in place (not removed, or removal failed): one condition", () => {
    const events = serviceEvents([
      serviceReport({
        name: "worker",
        pidFiles: [
          stale("/run/worker/a.pid", 4242),
          stale("/run/worker/b.pid", 4343, { outcome: "failed", detail: "EACCES" }),
          stale("/run/worker/c.pid", 4444, { outcome: "would-remove", detail: "" }),
        ],
      }),
    ]);
    expect(events).toEqual([
      {
        key: "pid-file-stale:worker",
        kind: "condition",
        severity: "warning",
        summary: "service worker: 3 PID files whose process is not running",
        details: [
          "/run/worker/a.pid: pid 4242 is not running (file written 1h ago)",
          "/run/worker/b.pid: pid 4343 is not running (file written 1h ago) [failed: EACCES]",
          "/run/worker/c.pid: pid 4444 is not running (file written 1h ago) [would-remove]",
        ],
        labels: { alertname: "CleanupPidFileStale", service: "worker" },
      },
    ]);
  });

  it("a single stale file left: singular wording", () => {
    const [event] = serviceEvents([
      serviceReport({ name: "worker", pidFiles: [stale("/run/worker/a.pid", 4242)] }),
    ]);
    expect(event?.summary).toBe("service worker: 1 PID file whose process is not running");
  });

  it("stale files removed: an occurrence, and no stale condition", () => {
    const events = serviceEvents([
      serviceReport({
        name: "worker",
        severity: "critical",
        pidFiles: [
          stale("/run/worker/a.pid", 4242, { outcome: "removed", detail: "" }),
          stale("/run/worker/b.pid", 4343, { outcome: "removed", detail: "was 5 bytes" }),
        ],
      }),
    ]);
    expect(events).toEqual([
      {
        key: "pid-file-removed:worker",
        kind: "occurrence",
        severity: "info",
        summary: "service worker: removed 2 stale PID files",
        details: [
          "/run/worker/a.pid: pid 4242 is not running (file written 1h ago) [removed]",
          "/run/worker/b.pid: pid 4343 is not running (file written 1h ago) [removed: was 5 bytes]",
        ],
        labels: { alertname: "CleanupPidFileRemoved", service: "worker" },
      },
    ]);
    expect(
      serviceEvents([
        serviceReport({
          name: "worker",
          pidFiles: [stale("/run/worker/a.pid", 4242, { outcome: "removed", detail: "" })],
        }),
      ])[0]?.summary,
    ).toBe("service worker: removed 1 stale PID file");
  });

  it("one left and one removed: the condition and the occurrence", () => {
    const events = serviceEvents([
      serviceReport({
        name: "worker",
        pidFiles: [
          stale("/run/worker/a.pid", 4242, { outcome: "removed", detail: "" }),
          stale("/run/worker/b.pid", 4343, { outcome: "changed", detail: "rewritten meanwhile" }),
        ],
      }),
    ]);
    expect(events.map((e) => [e.key, e.kind, e.summary])).toEqual([
      [
        "pid-file-stale:worker",
        "condition",
        "service worker: 1 PID file whose process is not running",
      ],
      ["pid-file-removed:worker", "occurrence", "service worker: removed 1 stale PID file"],
    ]);
  });

  it("reused and invalid files: a condition each, singular and plural", () => {
    const reused = (path: string, pid: number): PidFileEntry => ({
      service: "worker",
      path,
      pid,
      kind: "reused",
      detail: `pid ${pid} now belongs to another program (nginx: nginx)`,
    });
    const invalid = (path: string, detail: string): PidFileEntry => ({
      service: "worker",
      path,
      pid: null,
      kind: "invalid",
      detail,
    });
    const events = serviceEvents([
      serviceReport({
        name: "worker",
        pidFiles: [
          reused("/run/worker/a.pid", 60),
          invalid("/run/worker/b\n.pid", "empty"),
          invalid("/run/worker/c.pid", "not a pid: 'abc'"),
        ],
      }),
      serviceReport({
        name: "api",
        pidFiles: [reused("/run/api/a.pid", 60), reused("/run/api/b.pid", 61)],
      }),
      serviceReport({ name: "db", pidFiles: [invalid("/run/db.pid", "unreadable: EACCES")] }),
    ]);
    expect(events).toEqual([
      {
        key: "pid-file-reused:worker",
        kind: "condition",
        severity: "warning",
        summary: "service worker: 1 PID file whose pid now belongs to another program (not killed)",
        details: ["/run/worker/a.pid: pid 60 now belongs to another program (nginx: nginx)"],
        labels: { alertname: "CleanupPidFileReused", service: "worker" },
      },
      {
        key: "pid-file-invalid:worker",
        kind: "condition",
        severity: "warning",
        summary: "service worker: 2 PID files that cannot be used",
        // A newline in a path cannot forge a line.
        details: ["/run/worker/b\\n.pid: empty", "/run/worker/c.pid: not a pid: 'abc'"],
        labels: { alertname: "CleanupPidFileInvalid", service: "worker" },
      },
      {
        key: "pid-file-reused:api",
        kind: "condition",
        severity: "warning",
        summary: "service api: 2 PID files whose pid now belongs to another program (not killed)",
        details: [
          "/run/api/a.pid: pid 60 now belongs to another program (nginx: nginx)",
          "/run/api/b.pid: pid 61 now belongs to another program (nginx: nginx)",
        ],
        labels: { alertname: "CleanupPidFileReused", service: "api" },
      },
      {
        key: "pid-file-invalid:db",
        kind: "condition",
        severity: "warning",
        summary: "service db: 1 PID file that cannot be used",
        details: ["/run/db.pid: unreadable: EACCES"],
        labels: { alertname: "CleanupPidFileInvalid", service: "db" },
      },
    ]);
  });

  it("ok and unknown files raise nothing", () => {
    expect(
      serviceEvents([
        serviceReport({
          name: "worker",
          pidFiles: [
            { service: "worker", path: "/a.pid", pid: 1, kind: "ok", detail: "running" },
            { service: "worker", path: "/b.pid", pid: 2, kind: "unknown", detail: "not read" },
          ],
        }),
      ]),
    ).toEqual([]);
  });
});

describe("serviceEvents: untracked instances", () => {
  const one = proc({ pid: 200, argv: ["python3", "worker.py"], ageMs: 2 * DAY });
  const two = proc({
    pid: 300,
    argv: ["python3", "worker.py", "--port", "9092"],
    ageMs: 3_600_000,
  });

  it("one instance without a PID file: singular wording, with the process line", () => {
    expect(
      serviceEvents([
        serviceReport({ name: "worker", severity: "critical", untracked: [ref(one)] }),
      ]),
    ).toEqual([
      {
        key: "untracked:worker",
        kind: "condition",
        severity: "critical",
        summary:
          "service worker: 1 process running without a PID file (started by hand? a stop script will not find it)",
        details: ["pid 200 (app, age 2d, rss 100MiB) python3 worker.py"],
        labels: { alertname: "CleanupServiceUntracked", service: "worker" },
      },
    ]);
  });

  it("several: plural wording, a line each", () => {
    const [event] = serviceEvents([
      serviceReport({ name: "worker", untracked: [ref(one), ref(two)] }),
    ]);
    expect(event?.summary).toBe(
      "service worker: 2 processes running without a PID file (started by hand? a stop script will not find them)",
    );
    expect(event?.details).toEqual([
      "pid 200 (app, age 2d, rss 100MiB) python3 worker.py",
      "pid 300 (app, age 1h, rss 100MiB) python3 worker.py --port 9092",
    ]);
  });

  it("orders a service's events: health, PID files, untracked", () => {
    const events = serviceEvents([
      serviceReport({
        name: "worker",
        health: healthReport(),
        pidFiles: [stale("/run/worker/a.pid", 4242)],
        untracked: [ref(one)],
      }),
    ]);
    expect(events.map((e) => e.key)).toEqual([
      "health:worker",
      "pid-file-stale:worker",
      "untracked:worker",
    ]);
  });
});
