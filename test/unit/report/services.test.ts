// The SERVICES section of the report (serviceLines) and `cleanup port N` as text (renderPort),
// on hand-built reports.
import { describe, expect, it } from "vitest";
import type { PortHolder } from "../../../src/report/port-report.js";
import { renderPort } from "../../../src/report/port.js";
import { serviceLines } from "../../../src/report/services.js";
import { ref } from "../../../src/rules/plan.js";
import { DAY, proc } from "../../helpers/fixtures.js";
import {
  HEALTH_URL,
  healthReport,
  portReport,
  serviceReport,
  tcp,
} from "../../helpers/services.js";

const REASON = 'status is "unhealthy" (expected "healthy")';
const old = ref(proc({ pid: 200, argv: ["python3", "worker.py"], ageMs: 2 * DAY }));
const newer = ref(proc({ pid: 300, argv: ["python3", "worker.py"], ageMs: 3_600_000 }));

describe("serviceLines", () => {
  it("nothing without services", () => {
    expect(serviceLines([])).toEqual([]);
  });

  it("a healthy service: instances, the probe with its values, its PID files", () => {
    expect(
      serviceLines([
        serviceReport({
          name: "worker",
          instances: [old, newer],
          pidFiles: [
            {
              service: "worker",
              path: "/run/worker/a.pid",
              pid: 300,
              kind: "ok",
              detail: "pid 300 is running (python3: python3 worker.py)",
            },
          ],
          health: healthReport({
            status: "healthy",
            reason: "HTTP 200",
            body: '{"status":"healthy"}',
            values: [
              { label: "cpu", value: "3.5" },
              { label: "memory", value: null },
              { label: "uptime", value: "447" },
            ],
            durationMs: 12.4,
            failures: 0,
            killAfter: 3,
          }),
        }),
      ]),
    ).toEqual([
      "",
      "SERVICES (1)",
      "  worker: 2 instances (pid 200, 300)",
      `    health HEALTHY: HTTP 200 (GET ${HEALTH_URL}, 12 ms); cpu 3.5, uptime 447`,
      "    pid file /run/worker/a.pid: ok: pid 300 is running (python3: python3 worker.py)",
    ]);
  });

  it("shows a health URL without its credentials (a state saved before they were cut, too)", () => {
    const lines = serviceLines([
      serviceReport({
        name: "worker",
        health: healthReport({ url: "http://probe:s3cret@127.0.0.1:9091/health" }),
      }),
    ]);
    expect(lines.join("\n")).not.toContain("s3cret");
    expect(lines[3]).toContain(`(GET ${HEALTH_URL},`);
  });

  it("an unhealthy service: body, failures, holders, the note, PID files and untracked", () => {
    expect(
      serviceLines([
        serviceReport({
          name: "worker",
          instances: [old],
          pidFiles: [
            {
              service: "worker",
              path: "/run/worker/a.pid",
              pid: 4242,
              kind: "stale",
              detail: "pid 4242 is not running",
              removal: { outcome: "removed", detail: "" },
            },
            {
              service: "worker",
              path: "/run/worker/b\n.pid",
              pid: 4343,
              kind: "stale",
              detail: "pid 4343 is not running",
              removal: { outcome: "failed", detail: "EACCES" },
            },
          ],
          untracked: [old],
          health: healthReport({
            values: [{ label: "cpu", value: "99" }],
            durationMs: 12.6,
            failures: 3,
            killAfter: 3,
            holders: [
              { pid: 200, command: old, stale: false, reasons: ["first", "second"] },
              { pid: 300, command: newer, stale: true, reasons: ["older"] },
            ],
            killNote: "not every process on the port is stale by the rules: nothing is killed",
          }),
        }),
        serviceReport({
          name: "api",
          health: healthReport({
            status: "unreachable",
            httpStatus: null,
            reason: "connection refused",
            body: null,
            failures: 1,
          }),
        }),
      ]),
    ).toEqual([
      "",
      "SERVICES (2)",
      "  worker: 1 instance (pid 200)",
      `    health UNHEALTHY: ${REASON} (GET ${HEALTH_URL}, 13 ms); cpu 99`,
      '      body: {"status":"unhealthy"}',
      "      failed 3 runs in a row; kill_after 3",
      "      pid 200 on the port (python3 worker.py): not stale: first; second",
      "      pid 300 on the port (python3 worker.py): stale: older",
      "      not every process on the port is stale by the rules: nothing is killed",
      "    pid file /run/worker/a.pid: stale: pid 4242 is not running; removed",
      "    pid file /run/worker/b\\n.pid: stale: pid 4343 is not running; failed (EACCES)",
      "    no PID file names pid 200 (age 2d): python3 worker.py",
      "  api: 0 instances",
      `    health UNREACHABLE: connection refused (GET ${HEALTH_URL}, 12 ms)`,
      "      failed 1 run in a row",
    ]);
  });

  it("paints the status by level: ok, warn for a warning service, critical for a critical one", () => {
    const paint = (level: string, text: string) => `<${level}>${text}`;
    const lines = serviceLines(
      [
        serviceReport({ name: "a", health: healthReport({ status: "healthy", failures: 0 }) }),
        serviceReport({ name: "b", health: healthReport() }),
        serviceReport({ name: "c", severity: "critical", health: healthReport() }),
      ],
      paint,
    );
    expect(lines.filter((l) => l.startsWith("    health")).map((l) => l.split(":")[0])).toEqual([
      "    health <ok>HEALTHY",
      "    health <warn>UNHEALTHY",
      "    health <critical>UNHEALTHY",
    ]);
  });
});

describe("renderPort", () => {
  const holder = (fields: Partial<PortHolder> = {}): PortHolder => ({
    process: ref(
      proc({ pid: 200, argv: ["python3", "worker.py"], ageMs: 2 * DAY, rssBytes: 100 * 2 ** 20 }),
    ),
    listeners: [tcp(9091), tcp(9091, "::", 2)],
    parent: { pid: 1, comm: "systemd", orphaned: true, fact: "orphaned (parent 1 systemd)" },
    verdict: { stale: true, reasons: ["kill rule orphans: orphaned (parent 1 systemd)"] },
    ...fields,
  });
  const HELD = [
    "port 9091/tcp is held by 1 process:",
    "  pid 200  python3 worker.py",
    "    listening on tcp 127.0.0.1:9091, tcp6 [::]:9091",
    "    user app, age 2d, rss 100MiB, orphaned (parent 1 systemd)",
    "    stale by the rules:",
    "      - kill rule orphans: orphaned (parent 1 systemd)",
  ];
  const text = (lines: string[]) => `${lines.join("\n")}\n`;

  it("shown: a stale holder, and what --free would kill (the instance's tree)", () => {
    const child = ref(proc({ pid: 201, ppid: 200, argv: ["python3", "-c", "child"] }));
    expect(
      renderPort(portReport({ holders: [holder()], targets: [holder().process, child] })),
    ).toBe(
      text([
        ...HELD,
        "--free would kill 2:",
        "  pid 200  python3 worker.py",
        "  pid 201  python3 -c child",
      ]),
    );
  });

  it("still-held after the kills, when the port could not be checked: says so", () => {
    expect(
      renderPort(
        portReport({
          outcome: "still-held",
          dryRun: false,
          holders: [holder()],
          checkProblem: "cannot check the port after the kills: ENOENT",
        }),
      ),
    ).toContain(
      "cannot check the port after the kills: ENOENT: whether port 9091/tcp is free is not known.",
    );
  });

  it("shown: two holders, one not stale: --free would refuse", () => {
    const second = holder({
      process: ref(proc({ pid: 300, argv: ["python3", "worker.py"], ageMs: 60_000, user: null })),
      listeners: [tcp(9091, "0.0.0.0", 3)],
      parent: { pid: 150, comm: "bash", orphaned: false, fact: "parent alive (parent 150 bash)" },
      verdict: { stale: false, reasons: ["first", "second"] },
    });
    expect(renderPort(portReport({ protos: ["tcp", "udp"], holders: [holder(), second] }))).toBe(
      text([
        "port 9091/tcp+udp is held by 2 processes:",
        ...HELD.slice(1),
        "  pid 300  python3 worker.py",
        "    listening on tcp 0.0.0.0:9091",
        "    user ?, age 1m, rss 100MiB, parent alive (parent 150 bash)",
        "    not stale by the rules:",
        "      - first",
        "      - second",
        "--free would refuse: not every holder is stale.",
      ]),
    );
  });

  it("shown: stale holders but a socket it cannot inspect: --free would refuse", () => {
    expect(
      renderPort(
        portReport({
          actor: { uid: 1000, mayKillAnyUser: false },
          holders: [holder()],
          uninspectable: [{ proto: "udp", address: "0.0.0.0", port: 9091, inode: 9 }],
        }),
      ),
    ).toBe(
      text([
        ...HELD,
        "  and udp 0.0.0.0:9091 of a process this run cannot inspect (run as root to see it)",
        "--free would refuse: not every holder is stale.",
      ]),
    );
  });

  it("shown: only a socket it cannot inspect: held, and --free would refuse", () => {
    expect(
      renderPort(
        portReport({
          actor: { uid: 1000, mayKillAnyUser: false },
          uninspectable: [tcp(9091, "0.0.0.0", 9)],
        }),
      ),
    ).toBe(
      text([
        "port 9091/tcp is held:",
        "  tcp 0.0.0.0:9091 of a process this run cannot inspect (run as root to see it)",
        "--free would refuse: not every holder is stale.",
      ]),
    );
  });

  it("shown or already free: nothing listens", () => {
    const free = "port 9091/tcp is free: nothing listens on it\n";
    expect(renderPort(portReport())).toBe(free);
    expect(renderPort(portReport({ outcome: "already-free" }))).toBe(free);
  });

  it("refused: the reasons, nothing killed", () => {
    expect(
      renderPort(
        portReport({
          outcome: "refused",
          holders: [holder({ verdict: { stale: false, reasons: ["no kill rule"] } })],
          refusal: ["pid 200 is not stale by the rules: no kill rule"],
        }),
      ),
    ).toBe(
      text([
        ...HELD.slice(0, 4),
        "    not stale by the rules:",
        "      - no kill rule",
        "Refused, nothing was killed:",
        "  - pid 200 is not stale by the rules: no kill rule",
      ]),
    );
  });

  it("would-free: the dry run's targets", () => {
    const child = ref(proc({ pid: 201, ppid: 200, comm: "sleep", argv: [] }));
    expect(
      renderPort(
        portReport({
          outcome: "would-free",
          holders: [holder()],
          targets: [holder().process, child],
        }),
      ),
    ).toBe(
      text([
        ...HELD,
        "Dry run: would kill 2:",
        "  pid 200  python3 worker.py",
        "  pid 201  [sleep]",
      ]),
    );
  });

  it("freed: each result, the port free, the audit log", () => {
    expect(
      renderPort(
        portReport({
          outcome: "freed",
          dryRun: false,
          holders: [holder()],
          targets: [holder().process],
          results: [
            {
              pid: 200,
              startTicks: 1200,
              rule: "orphans",
              outcome: "terminated",
              signals: ["SIGTERM"],
            },
            {
              pid: 201,
              startTicks: 1201,
              rule: "orphans",
              outcome: "killed",
              signals: ["SIGTERM", "SIGKILL"],
              detail: "survived the grace",
            },
            { pid: 202, startTicks: 1202, rule: "orphans", outcome: "gone", signals: [] },
          ],
          auditLog: "/var/lib/cleanup/audit.jsonl",
        }),
      ),
    ).toBe(
      text([
        ...HELD,
        "  pid 200: terminated (SIGTERM)",
        "  pid 201: killed (SIGTERM, SIGKILL): survived the grace",
        "  pid 202: gone",
        "port 9091/tcp is free now.",
        "Audit log: /var/lib/cleanup/audit.jsonl",
      ]),
    );
  });

  it("still-held: what remains on the port", () => {
    expect(
      renderPort(
        portReport({
          outcome: "still-held",
          dryRun: false,
          holders: [holder()],
          results: [
            {
              pid: 200,
              startTicks: 1200,
              rule: "orphans",
              outcome: "stuck",
              signals: ["SIGTERM", "SIGKILL"],
            },
          ],
          remaining: [tcp(9091, "::1", 5)],
        }),
      ),
    ).toBe(
      text([
        ...HELD,
        "  pid 200: stuck (SIGTERM, SIGKILL)",
        "port 9091/tcp is still held: tcp6 [::1]:9091.",
      ]),
    );
  });

  it("busy: another run holds the lock, with or without its holder", () => {
    expect(
      renderPort(
        portReport({
          outcome: "busy",
          lockHolder: { pid: 77, startTicks: 123, since: "2026-11-23T00:00:00.000Z" },
        }),
      ),
    ).toBe(
      "port 9091/tcp: another run holds the lock (pid 77 since 2026-11-23T00:00:00.000Z); nothing done\n",
    );
    expect(renderPort(portReport({ outcome: "busy", protos: ["udp"] }))).toBe(
      "port 9091/udp: another run holds the lock; nothing done\n",
    );
  });
});
