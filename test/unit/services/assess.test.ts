// assessServices: each service's PID files, instances, health and, once kill_after is reached, the
// stale holders of the probe's port; and the health state kept across runs. Plain data only.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/errors.js";
import { parseConfig } from "../../../src/config/load.js";
import type { Config } from "../../../src/config/types.js";
import { plan, ref } from "../../../src/rules/plan.js";
import type { Actor } from "../../../src/rules/plan-types.js";
import type { Listener, ProcessInfo } from "../../../src/scan/types.js";
import {
  assessServices,
  urlPort,
  type ServiceAssessment,
  type ServiceInput,
} from "../../../src/services/assess.js";
import type { HealthResult } from "../../../src/services/health.js";
import {
  checkHealthState,
  HEALTH_STATE_VERSION,
  nextHealthState,
  type HealthState,
} from "../../../src/services/health-state.js";
import type { PidFileRead } from "../../../src/scan/pid-files.js";
import { DAY, config, proc, snapshot } from "../../helpers/fixtures.js";
import { badPidRead, configProblems, healthResult, pidRead, tcp } from "../../helpers/services.js";

const ROOT: Actor = { uid: 0, mayKillAnyUser: true };
const HOUR = 3_600_000;
const NOW = snapshot([]).takenAtMs;
const SINCE = "2026-11-22T00:00:00.000Z";
const REASON = 'status is "unhealthy" (expected "healthy")';
const OLDER =
  "service worker (single_instance): it is an older instance; pid 300, the same command started after it (age 1h) and listening on no other port, is running";
const NEWEST =
  "service worker: nothing says it is an older instance (no later copy of the same command runs; no PID file of the service written after it started names a start that died)";

function rules(settings = ""): Config {
  return config(`
${settings}
rules: []
services:
  - name: worker
    match: { cmdline: '\\bworker\\.py\\b' }
    pid_files: /run/worker/*.pid
    single_instance: true
    health:
      url: http://127.0.0.1:9091/health
      kill_after: 3
    severity: critical
  - name: plain
    match: { cmdline: '\\bplain\\.py\\b' }
`);
}
const RULES = rules();

const init = proc({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, user: "root" });
const workerArgv = ["python3", "worker.py"];
const old = proc({ pid: 200, ppid: 1, argv: workerArgv, ageMs: 2 * DAY, startTicks: 5_000 });
// The old instance's helper shares its session; the newer instance listens on nothing yet.
const oldChild = proc({ pid: 201, ppid: 200, sid: 200, comm: "sh", argv: ["sh", "-c", "x"] });
const newer = proc({
  pid: 300,
  ppid: 1,
  argv: workerArgv,
  ageMs: HOUR,
  startTicks: 900_000,
  listening: [],
});
const IN_INSTANCE = "in instance 200 of service worker (same session)";
const listeningOld = { ...old, listening: [tcp(9091)] };
const listeningNewer = { ...newer, listening: [tcp(9091)] };

interface Input {
  processes: ProcessInfo[];
  config?: Config;
  health?: HealthResult;
  previous?: HealthState | null;
  pidFiles?: PidFileRead[];
  plannedKills?: number;
  /** Every listening socket of the scan (snapshot.listeners), held by a detailed process or not. */
  listeners?: Listener[];
}

function assess(input: Input): ServiceAssessment {
  const cfg = input.config ?? RULES;
  const snap = {
    ...snapshot(input.processes),
    ...(input.listeners ? { listeners: input.listeners } : {}),
  };
  const serviceInput: ServiceInput = {
    snapshot: snap,
    config: cfg,
    actor: ROOT,
    plan: plan(snap, cfg, ROOT),
    pidFiles: new Map([["worker", input.pidFiles ?? []]]),
    health: new Map(input.health ? [["worker", input.health]] : []),
    previousHealth: input.previous ?? null,
    plannedKills: input.plannedKills ?? 0,
  };
  return assessServices(serviceInput);
}

function failedBefore(failures: number): HealthState {
  return { version: HEALTH_STATE_VERSION, services: { worker: { failures, since: SINCE } } };
}

describe("assessServices: reports", () => {
  it("lists each service's instances, PID file findings and untracked instances", () => {
    const pidFiles = [
      pidRead("/run/worker/a.pid", 300, NOW - HOUR),
      pidRead("/run/worker/b.pid", 4242, NOW - HOUR),
      badPidRead("/run/worker/c.pid", "not a pid: 'abc'", "abc\n"),
    ];
    const plain = proc({ pid: 400, ppid: 1, argv: ["python3", "plain.py"] });
    const { reports, kills } = assess({ processes: [init, old, newer, plain], pidFiles });
    expect(kills).toEqual([]);
    expect(reports).toEqual([
      {
        name: "worker",
        severity: "critical",
        instances: [ref(old), ref(newer)],
        pidFiles: [
          {
            service: "worker",
            path: "/run/worker/a.pid",
            pid: 300,
            kind: "ok",
            process: ref(newer),
            detail:
              "pid 300 is running (python3: python3 worker.py); cmdline matches /\\bworker\\.py\\b/",
          },
          {
            service: "worker",
            path: "/run/worker/b.pid",
            pid: 4242,
            kind: "stale",
            detail: "pid 4242 is not running (file written 1h ago)",
          },
          {
            service: "worker",
            path: "/run/worker/c.pid",
            pid: null,
            kind: "invalid",
            detail: "not a pid: 'abc'",
          },
        ],
        untracked: [ref(old)],
      },
      // No PID files configured: nothing is "untracked".
      { name: "plain", severity: "warning", instances: [ref(plain)], pidFiles: [], untracked: [] },
    ]);
  });

  it("a healthy probe resets the failures to 0 and looks for no holder", () => {
    const result = healthResult({ status: "healthy", reason: "HTTP 200", body: "{}" });
    const { reports, kills } = assess({
      processes: [init, listeningOld, newer],
      health: result,
      previous: failedBefore(5),
    });
    expect(reports[0]!.health).toEqual({ ...result, failures: 0, killAfter: 3 });
    expect(kills).toEqual([]);
  });

  it("a failed probe adds one to the previous count of its own service only", () => {
    const result = healthResult();
    const other: HealthState = {
      version: HEALTH_STATE_VERSION,
      services: { plain: { failures: 7, since: SINCE } },
    };
    expect(
      assess({ processes: [init], health: result, previous: other }).reports[0]!.health,
    ).toEqual({ ...result, failures: 1, killAfter: 3 });
    expect(
      assess({ processes: [init], health: result, previous: failedBefore(1) }).reports[0]!.health,
    ).toEqual({ ...result, failures: 2, killAfter: 3 });
  });

  it("without kill_after, counts failures and sets no killAfter", () => {
    const noKill = config(`
rules: []
services:
  - name: worker
    match: { cmdline: '\\bworker\\.py\\b' }
    health: { url: 'https://localhost/health' }
`);
    const result = healthResult({ status: "unreachable", httpStatus: null, body: null });
    const { reports, kills } = assess({
      processes: [init, listeningOld, newer],
      config: noKill,
      health: result,
      previous: failedBefore(9),
    });
    expect(reports[0]!.health).toEqual({ ...result, failures: 10 });
    expect(kills).toEqual([]);
  });

  it("no health result this run: no health in the report", () => {
    const { reports } = assess({ processes: [init, old] });
    expect(reports[0]).not.toHaveProperty("health");
  });
});

describe("assessServices: kill_after", () => {
  it("not reached: no holders are judged and nothing is killed", () => {
    const result = healthResult();
    const { reports, kills } = assess({
      processes: [init, listeningOld, oldChild, newer],
      health: result,
      previous: failedBefore(1),
    });
    expect(reports[0]!.health).toEqual({ ...result, failures: 2, killAfter: 3 });
    expect(kills).toEqual([]);
  });

  it("reached with a stale holder: kills it and its session's tree as health:NAME, with the probe's fact", () => {
    const result = healthResult();
    const { reports, kills } = assess({
      processes: [init, listeningOld, oldChild, newer],
      health: result,
      previous: failedBefore(2),
    });
    const fact = `health probe failed 3 runs in a row (kill_after 3): ${REASON}`;
    expect(kills.map((k) => [k.process.pid, k.rule, k.kill?.treeOf, k.facts])).toEqual([
      [200, "health:worker", undefined, [OLDER, fact]],
      [201, "health:worker", undefined, [IN_INSTANCE, fact]],
    ]);
    expect(kills[0]).toMatchObject({
      action: "kill",
      severity: "critical",
      kill: { signal: "SIGTERM", graceMs: 10_000 },
    });
    expect(reports[0]!.health).toEqual({
      ...result,
      failures: 3,
      killAfter: 3,
      holders: [{ pid: 200, command: ref(listeningOld), stale: true, reasons: [OLDER] }],
    });
  });

  it("reached with a holder that is not stale: kills nothing and says why", () => {
    const { reports, kills } = assess({
      processes: [init, listeningNewer, old],
      health: healthResult(),
      previous: failedBefore(3),
    });
    expect(kills).toEqual([]);
    expect(reports[0]!.health).toMatchObject({
      failures: 4,
      holders: [{ pid: 300, command: ref(listeningNewer), stale: false, reasons: [NEWEST] }],
      killNote: "not every process on the port is stale by the rules: nothing is killed",
    });
  });

  it("reached with one stale and one non-stale holder: all or nothing", () => {
    const { reports, kills } = assess({
      processes: [init, listeningOld, listeningNewer],
      health: healthResult(),
      previous: failedBefore(2),
    });
    expect(kills).toEqual([]);
    expect(reports[0]!.health?.holders?.map((h) => [h.pid, h.stale])).toEqual([
      [200, true],
      [300, false],
    ]);
    expect(reports[0]!.health?.killNote).toBe(
      "not every process on the port is stale by the rules: nothing is killed",
    );
  });

  it("reached with the port held by a process no rule or service selects: says so, no kills", () => {
    const snap = { ...snapshot([init, old, newer]), listeners: [tcp(9091, "0.0.0.0", 77)] };
    const { reports, kills } = assessServices({
      snapshot: snap,
      config: RULES,
      actor: ROOT,
      plan: plan(snap, RULES, ROOT),
      pidFiles: new Map(),
      health: new Map([["worker", healthResult()]]),
      previousHealth: failedBefore(2),
      plannedKills: 0,
    });
    expect(kills).toEqual([]);
    expect(reports[0]!.health?.killNote).toBe(
      "port 9091 is held by a process no kill rule or service selects: nothing is killed",
    );
  });

  it("no services: nothing to report, no kills", () => {
    expect(assess({ processes: [init, old], config: config("rules: []") })).toEqual({
      reports: [],
      kills: [],
    });
  });

  it("reached with nothing on the port (a UDP socket does not count): a note, no kills", () => {
    const udpOnly = { ...old, listening: [{ ...tcp(9091), proto: "udp" as const }] };
    const elsewhere = { ...newer, listening: [tcp(8080)] };
    const { reports, kills } = assess({
      processes: [init, udpOnly, elsewhere],
      health: healthResult(),
      previous: failedBefore(2),
    });
    expect(kills).toEqual([]);
    expect(reports[0]!.health).not.toHaveProperty("holders");
    expect(reports[0]!.health?.killNote).toBe("nothing this run can inspect listens on port 9091");
  });

  it("over the run's budget left after the plan's kills: nothing is killed", () => {
    const { reports, kills } = assess({
      processes: [init, listeningOld, oldChild, newer],
      config: rules("settings: { max_kills_per_run: 5 }"),
      health: healthResult(),
      previous: failedBefore(2),
      plannedKills: 4,
    });
    expect(kills).toEqual([]);
    expect(reports[0]!.health?.holders?.map((h) => h.stale)).toEqual([true]);
    expect(reports[0]!.health?.killNote).toBe(
      "killing 2 would exceed settings.max_kills_per_run (1 left this run): nothing is killed",
    );
    // Exactly at the budget: killed.
    expect(
      assess({
        processes: [init, listeningOld, oldChild, newer],
        config: rules("settings: { max_kills_per_run: 5 }"),
        health: healthResult(),
        previous: failedBefore(2),
        plannedKills: 3,
      }).kills.map((k) => k.process.pid),
    ).toEqual([200, 201]);
  });

  it("two services probing the same port: each holder is killed once, by the first", () => {
    const two = config(`
rules: []
services:
  - name: worker
    match: { cmdline: '\\bworker\\.py\\b' }
    single_instance: true
    health: { url: 'http://127.0.0.1:9091/health', kill_after: 1 }
  - name: api
    match: { comm: [python3] }
    health: { url: 'http://localhost:9091/ready', kill_after: 1 }
`);
    const snap = snapshot([init, listeningOld, oldChild, newer]);
    const { reports, kills } = assessServices({
      snapshot: snap,
      config: two,
      actor: ROOT,
      plan: plan(snap, two, ROOT),
      pidFiles: new Map(),
      health: new Map([
        ["worker", healthResult()],
        ["api", healthResult({ url: "http://localhost:9091/ready" })],
      ]),
      previousHealth: null,
      plannedKills: 0,
    });
    const fact = `health probe failed 1 runs in a row (kill_after 1): ${REASON}`;
    expect(kills.map((k) => [k.process.pid, k.rule, k.facts])).toEqual([
      [200, "health:worker", [OLDER, fact]],
      [201, "health:worker", [IN_INSTANCE, fact]],
    ]);
    // Both judged the holder stale; the second adds nothing and notes nothing.
    for (const report of reports) {
      expect(
        report.health?.holders?.map((h) => [h.pid, h.stale]),
        report.name,
      ).toEqual([[200, true]]);
      expect(report.health, report.name).not.toHaveProperty("killNote");
    }
  });

  it("processes the plan already kills are not added again", () => {
    const withRule = config(`
rules:
  - name: old-workers
    match: { cmdline: '\\bworker\\.py\\b', older_than: 1d }
    action: kill
services:
  - name: worker
    match: { cmdline: '\\bworker\\.py\\b' }
    health: { url: 'http://127.0.0.1:9091/health', kill_after: 1 }
`);
    const { reports, kills } = assess({
      processes: [init, listeningOld, oldChild, newer],
      config: withRule,
      health: healthResult(),
    });
    expect(kills).toEqual([]);
    expect(reports[0]!.health?.holders?.map((h) => [h.pid, h.stale])).toEqual([[200, true]]);
    expect(reports[0]!.health).not.toHaveProperty("killNote");
  });
});

describe("assessServices: kill_after with sockets this run cannot inspect", () => {
  const base = {
    processes: [init, listeningOld, oldChild, newer],
    health: healthResult(),
    previous: failedBefore(2),
  };
  // listeningOld holds the socket with inode 1 (tcp()'s default).
  const ownSocket = tcp(9091, "127.0.0.1", 1);

  it("a socket on the port no detailed process holds: holders judged, nothing killed", () => {
    const { reports, kills } = assess({
      ...base,
      listeners: [ownSocket, tcp(9091, "0.0.0.0", 77)],
    });
    expect(kills).toEqual([]);
    expect(reports[0]!.health).toEqual({
      ...healthResult(),
      failures: 3,
      killAfter: 3,
      holders: [{ pid: 200, command: ref(listeningOld), stale: true, reasons: [OLDER] }],
      killNote:
        "port 9091 is also held by a socket of a process this run cannot inspect: nothing is killed",
    });
  });

  it("counts them: two such sockets (IPv4 and IPv6)", () => {
    const { reports, kills } = assess({
      ...base,
      listeners: [ownSocket, tcp(9091, "0.0.0.0", 77), tcp(9091, "::", 78)],
    });
    expect(kills).toEqual([]);
    expect(reports[0]!.health?.killNote).toBe(
      "port 9091 is also held by 2 sockets of a process this run cannot inspect: nothing is killed",
    );
  });

  it("only the holders' own sockets, or other ports and UDP: killed as before", () => {
    const listeners = [
      ownSocket,
      tcp(8080, "0.0.0.0", 80),
      { ...tcp(9091, "0.0.0.0", 81), proto: "udp" as const },
    ];
    const { reports, kills } = assess({ ...base, listeners });
    expect(kills.map((k) => [k.process.pid, k.rule, k.kill?.treeOf])).toEqual([
      [200, "health:worker", undefined],
      [201, "health:worker", undefined],
    ]);
    expect(reports[0]!.health).not.toHaveProperty("killNote");
  });
});

describe("assessServices: kill_after without single_instance", () => {
  it("a newer copy of the same command does not make the holder stale", () => {
    const off = config(`
rules: []
services:
  - name: worker
    match: { cmdline: '\\bworker\\.py\\b' }
    health: { url: 'http://127.0.0.1:9091/health', kill_after: 3 }
`);
    const { reports, kills } = assess({
      processes: [init, listeningOld, oldChild, newer],
      config: off,
      health: healthResult(),
      previous: failedBefore(2),
    });
    expect(kills).toEqual([]);
    expect(reports[0]!.health?.holders).toEqual([
      {
        pid: 200,
        command: ref(listeningOld),
        stale: false,
        reasons: [
          "service worker: nothing says it is an older instance (single_instance is off; no PID file of the service written after it started names a start that died)",
        ],
      },
    ]);
    expect(reports[0]!.health?.killNote).toBe(
      "not every process on the port is stale by the rules: nothing is killed",
    );
  });
});

describe("service config", () => {
  const head = "rules: []\nservices:\n  - name: w\n";
  const withHealth = (health: string): string =>
    `${head}    match: { comm: [python3] }\n    health: { url: 'http://127.0.0.1:9091/', ${health} }\n`;
  const PROGRAM = {
    file: "rules.yaml",
    line: 4,
    col: 12,
    path: "services[0].match",
    problem: "a service needs to say which program it is",
    got: "a mapping",
    expected: "at least one of cmdline, comm, exe",
  };

  it("a match with only user or parent (or listening_port) is an error at services[0].match", () => {
    for (const match of ["{ user: app }", "{ parent: supervisord }", "{ user: app, parent: x }"]) {
      expect(configProblems(`${head}    match: ${match}\n`), match).toEqual([PROGRAM]);
    }
    expect(configProblems(`${head}    match: { listening_port: 8000 }\n`)).toEqual([PROGRAM]);
    // The ConfigError itself, as parseConfig throws it.
    expect(() => parseConfig(`${head}    match: { user: app }\n`, "rules.yaml")).toThrow(
      ConfigError,
    );
  });

  it("cmdline, comm or exe says which program it is, with user or parent beside it", () => {
    for (const match of [
      "{ cmdline: worker, user: app }",
      "{ comm: [python3], parent: supervisord }",
      "{ exe: /usr/bin/python3 }",
    ]) {
      expect(configProblems(`${head}    match: ${match}\n`), match).toEqual([]);
    }
  });

  it("health timeout: 100ms to 60s", () => {
    const outOfRange = (got: string, col: number) => [
      {
        file: "rules.yaml",
        line: 5,
        col,
        path: "services[0].health.timeout",
        problem: "out of range",
        got,
        expected: "a duration from 100ms to 60s",
      },
    ];
    expect(configProblems(withHealth("timeout: 50ms"))).toEqual(outOfRange("50ms", 55));
    expect(configProblems(withHealth("timeout: 2m"))).toEqual(outOfRange("2m", 55));
    expect(configProblems(withHealth("timeout: 99ms"))).toEqual(outOfRange("99ms", 55));
    expect(configProblems(withHealth("timeout: 60001ms"))).toEqual(outOfRange("60001ms", 55));
    for (const ok of ["100ms", "5s", "60s"])
      expect(configProblems(withHealth(`timeout: ${ok}`)), ok).toEqual([]);
    expect(config(withHealth("timeout: 100ms")).services[0]!.health?.timeoutMs).toBe(100);
    expect(config(withHealth("timeout: 60s")).services[0]!.health?.timeoutMs).toBe(60_000);
  });

  it("show: a label's empty path is an invalid path", () => {
    expect(configProblems(withHealth("show: { cpu: '' }"))).toEqual([
      {
        file: "rules.yaml",
        line: 5,
        col: 59,
        path: "services[0].health.show.cpu",
        problem: "invalid path",
        got: "''",
        expected: "a dotted JSON path such as status or checks.db",
      },
    ]);
    expect(configProblems(withHealth("show: { cpu: 'a..b' }"))).toMatchObject([
      { path: "services[0].health.show.cpu", problem: "invalid path", got: "'a..b'" },
    ]);
    expect(configProblems(withHealth("show: { cpu: process.cpu }"))).toEqual([]);
  });

  it("expect_json: a key that is no dotted path (a..b, .a, a.) is an error at that key", () => {
    expect(configProblems(withHealth("expect_json: { 'a..b': 1 }"))).toMatchObject([
      { file: "rules.yaml", line: 5, path: "services[0].health.expect_json.a..b" },
    ]);
    expect(
      configProblems(withHealth("expect_json: { '.a': 1, 'a.': 2 }")).map((p) => p.path),
    ).toEqual(["services[0].health.expect_json..a", "services[0].health.expect_json.a."]);
    expect(configProblems(withHealth("expect_json: { checks.db: ok, status: 1 }"))).toEqual([]);
  });

  it("expect_json: an invalid key is reported as an invalid path, naming the key", () => {
    expect(configProblems(withHealth("expect_json: { 'a..b': 1 }"))).toMatchObject([
      { path: "services[0].health.expect_json.a..b", problem: "invalid path 'a..b'" },
    ]);
  });

  it("single_instance: false by default, true or false only", () => {
    const match = `${head}    match: { comm: [python3] }\n`;
    expect(config(match).services[0]!.singleInstance).toBe(false);
    expect(config(`${match}    single_instance: true\n`).services[0]!.singleInstance).toBe(true);
    expect(configProblems(`${match}    single_instance: yes\n`)).toEqual([
      {
        file: "rules.yaml",
        line: 5,
        col: 22,
        path: "services[0].single_instance",
        problem: "wrong type",
        got: "yes",
        expected: "true or false (whether only one instance of the service should run)",
      },
    ]);
  });

  it("relative pid_files resolve against the rules file's directory", () => {
    const parsed = parseConfig(
      `${head}    match: { comm: [python3] }\n    pid_files: [run/a.pid, /run/b.pid]\n`,
      "/etc/cleanup/rules.yaml",
    );
    expect(parsed.services[0]!.pidFiles).toEqual(["/etc/cleanup/run/a.pid", "/run/b.pid"]);
  });
});

describe("urlPort", () => {
  it("is the URL's port, or the scheme's default", () => {
    expect(urlPort("http://127.0.0.1:9091/health")).toBe(9091);
    expect(urlPort("https://localhost:8443/")).toBe(8443);
    expect(urlPort("http://localhost/health")).toBe(80);
    expect(urlPort("https://[::1]/health")).toBe(443);
    // A default port written out is still the default.
    expect(urlPort("http://127.0.0.1:80/")).toBe(80);
    expect(urlPort("https://127.0.0.1:443/")).toBe(443);
  });
});

describe("health state", () => {
  const now = new Date(Date.UTC(2026, 10, 23, 12));

  it("adds one to a failing service, keeps when it started, drops healthy ones", () => {
    const previous: HealthState = {
      version: HEALTH_STATE_VERSION,
      services: {
        worker: { failures: 2, since: SINCE },
        db: { failures: 4, since: SINCE },
        gone: { failures: 1, since: SINCE },
      },
    };
    const failed = new Map([
      ["worker", true],
      ["api", true],
      ["db", false],
    ]);
    expect(nextHealthState(previous, failed, now)).toEqual({
      version: 1,
      services: {
        worker: { failures: 3, since: SINCE },
        api: { failures: 1, since: "2026-11-23T12:00:00.000Z" },
      },
    });
  });

  it("starts from nothing without a previous state", () => {
    expect(nextHealthState(null, new Map([["worker", true]]), now)).toEqual({
      version: 1,
      services: { worker: { failures: 1, since: "2026-11-23T12:00:00.000Z" } },
    });
    expect(nextHealthState(null, new Map([["worker", false]]), now)).toEqual({
      version: 1,
      services: {},
    });
  });

  it("checkHealthState accepts a well-formed state and rejects a malformed one", () => {
    expect(checkHealthState({ version: 1, services: {} })).toBeNull();
    expect(checkHealthState(failedBefore(2))).toBeNull();
    expect(checkHealthState({ version: 1 })).toBe("services missing");
    expect(checkHealthState({ version: 1, services: null })).toBe("services missing");
    expect(checkHealthState({ version: 1, services: "x" })).toBe("services missing");
    expect(checkHealthState({ version: 1, services: { w: { failures: "2", since: SINCE } } })).toBe(
      "services.w is not { failures, since }",
    );
    expect(checkHealthState({ version: 1, services: { w: { failures: 2 } } })).toBe(
      "services.w is not { failures, since }",
    );
    expect(
      checkHealthState({ version: 1, services: { ok: failedBefore(1).services.worker, w: null } }),
    ).toBe("services.w is not { failures, since }");
  });
});
