// judgeHolders: whether a port's holder is stale by the rules (a kill rule names it, or it is an
// older instance of a tracked service), on hand-built snapshots.
import { describe, expect, it } from "vitest";
import type { Resource } from "../../../src/config/types.js";
import type { Config } from "../../../src/config/types.js";
import type { Level } from "../../../src/host/thresholds.js";
import { plan } from "../../../src/rules/plan.js";
import type { Actor } from "../../../src/rules/plan-types.js";
import { judgeHolders, type PidFileEvidence, type Verdict } from "../../../src/services/stale.js";
import type { ProcessInfo } from "../../../src/scan/types.js";
import { DAY, SPAWN_ARGV, config, proc, snapshot } from "../../helpers/fixtures.js";
import { tcp } from "../../helpers/services.js";

const ROOT: Actor = { uid: 0, mayKillAnyUser: true };
const HOUR = 3_600_000;
const NOW = snapshot([]).takenAtMs;
const WORKER_FACT = "cmdline matches /\\bworker\\.py\\b/";

const init = proc({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, user: "root" });

/** The kill rule `orphans` and the service `worker`, with these extra service keys. */
function withWorker(serviceKeys: string): Config {
  return config(`
rules:
  - name: orphans
    match: { cmdline: 'spawn_main', orphaned: true }
    action: kill
services:
  - name: worker
    match: { cmdline: '\\bworker\\.py\\b' }
${serviceKeys}
`);
}

/** single_instance, and a PID file listed by its literal path. */
const RULES = withWorker("    single_instance: true\n    pid_files: [/run/worker/a.pid]");
/** The same literal PID file, single_instance off (the default). */
const NOT_SINGLE = withWorker("    pid_files: [/run/worker/a.pid]");
/** single_instance off, the PID file matched through a glob only. */
const GLOB = withWorker("    pid_files: ['/run/worker/*.pid']");

interface Options {
  /** The service worker's PID files. */
  pidFiles?: PidFileEvidence[];
  /** PID files by service name (instead of pidFiles). */
  pidFilesBy?: Record<string, PidFileEvidence[]>;
  selfPid?: number;
  levels?: Partial<Record<Resource, Level>>;
}

function judge(
  processes: ProcessInfo[],
  rules: Config,
  holders: number[],
  options: Options = {},
): Verdict[] {
  const snap = snapshot(processes, options.selfPid);
  return judgeHolders(
    {
      snapshot: snap,
      config: rules,
      actor: ROOT,
      plan: plan(snap, rules, ROOT, options.levels ?? {}),
      port: 9091,
      pidFiles: new Map(Object.entries(options.pidFilesBy ?? { worker: options.pidFiles ?? [] })),
    },
    holders,
  );
}

function only(verdicts: Verdict[]): Verdict {
  expect(verdicts).toHaveLength(1);
  return verdicts[0]!;
}

/** [pid, rule, treeOf] of a stale verdict's entries. */
function killed(v: Verdict): [number, string, number | undefined][] {
  if (!v.stale) throw new Error(`pid ${v.pid} is not stale: ${v.reasons.join("; ")}`);
  return v.entries.map((e) => [e.process.pid, e.rule, e.kill?.treeOf]);
}

describe("judgeHolders: kill rules", () => {
  const orphan = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV });
  const child = proc({ pid: 101, ppid: 100, comm: "sh", argv: ["sh", "-c", "run"] });
  const grandchild = proc({ pid: 102, ppid: 101, comm: "sleep", argv: ["sleep", "600"] });
  const processes = [init, orphan, child, grandchild];
  const ORPHAN_FACTS = "cmdline matches /spawn_main/; orphaned (parent 1 systemd)";

  it("a holder a kill rule targets is stale, with its tree from the plan", () => {
    const v = only(judge(processes, RULES, [100]));
    expect(v).toMatchObject({
      pid: 100,
      stale: true,
      reasons: [`kill rule orphans: ${ORPHAN_FACTS}`],
    });
    expect(killed(v)).toEqual([
      [100, "orphans", undefined],
      [101, "orphans", 100],
      [102, "orphans", 100],
    ]);
    if (!v.stale) return;
    expect(v.entries[0]!.facts).toEqual([
      "cmdline matches /spawn_main/",
      "orphaned (parent 1 systemd)",
    ]);
    expect(v.entries[2]!.facts).toEqual(["descendant of 100 (tree)"]);
  });

  it("a holder in the tree of a killed process is stale, and the whole tree goes", () => {
    const v = only(judge(processes, RULES, [102]));
    expect(v).toMatchObject({
      pid: 102,
      stale: true,
      reasons: [`in the tree of pid 100, which kill rule orphans names: ${ORPHAN_FACTS}`],
    });
    expect(killed(v)).toEqual([
      [100, "orphans", undefined],
      [101, "orphans", 100],
      [102, "orphans", 100],
    ]);
  });

  it("a holder the kill rule spares is not stale, with the rule's reason", () => {
    const parent = proc({ pid: 50, ppid: 1, argv: ["python3", "main.py"] });
    const spawned = proc({ pid: 100, ppid: 50, argv: SPAWN_ARGV });
    expect(only(judge([init, parent, spawned], RULES, [100]))).toEqual({
      pid: 100,
      stale: false,
      reasons: ["rule orphans spares it: parent alive (parent 50 python3)"],
    });
  });

  it("a holder no rule or service matches is not stale", () => {
    const nginx = proc({ pid: 60, ppid: 1, comm: "nginx", argv: ["nginx", "-g", "daemon off;"] });
    expect(only(judge([init, nginx], RULES, [60]))).toEqual({
      pid: 60,
      stale: false,
      reasons: ["no kill rule and no service in the rules matches it"],
    });
  });

  it("a kill rule with `when` that selects it says it is not applied now", () => {
    const pressure = config(`
rules:
  - name: pressure
    when: { memory: critical }
    match: { cmdline: 'spawn_main', orphaned: true }
    action: kill
`);
    const v = only(judge([init, orphan], pressure, [100], { levels: {} }));
    expect(v).toEqual({
      pid: 100,
      stale: false,
      reasons: [
        "rule pressure selects it but is not applied now: memory is unknown, rule needs critical",
      ],
    });
    // At its level it applies, and the holder is stale.
    const applied = only(
      judge([init, orphan], pressure, [100], { levels: { memory: "critical" } }),
    );
    expect(applied.stale).toBe(true);
    expect(applied.reasons).toEqual([
      `kill rule pressure: ${ORPHAN_FACTS}; memory at critical or worse`,
    ]);
  });

  it("a pid not in the scan is not stale", () => {
    expect(judge([init], RULES, [4242, 4243])).toEqual([
      { pid: 4242, stale: false, reasons: ["pid 4242 was not in the scan"] },
      { pid: 4243, stale: false, reasons: ["pid 4243 was not in the scan"] },
    ]);
  });
});

describe("judgeHolders: services", () => {
  const workerArgv = ["python3", "worker.py"];
  // start.sh (a session leader: a login shell's script, or run with setsid) started the old
  // instance (2 days), which forked a worker (same cmdline) and runs a helper, all in start.sh's
  // session. A newer instance, a session of its own, listens on nothing yet (9091 is taken).
  const launcher = proc({ pid: 150, ppid: 1, comm: "bash", argv: ["bash", "start.sh"] });
  const old = proc({
    pid: 200,
    ppid: 150,
    sid: 150,
    argv: workerArgv,
    ageMs: 2 * DAY,
    startTicks: 5_000,
  });
  const fork = proc({
    pid: 201,
    ppid: 200,
    sid: 150,
    argv: workerArgv,
    ageMs: 2 * DAY,
    startTicks: 5_001,
  });
  const helper = proc({
    pid: 202,
    ppid: 200,
    sid: 150,
    comm: "sh",
    argv: ["sh", "-c", "x"],
    startTicks: 5_002,
  });
  const newerFields = { pid: 300, ppid: 1, argv: workerArgv, ageMs: HOUR, startTicks: 900_000 };
  const newer = proc({ ...newerFields, listening: [] });
  /** The same newer instance, its sockets not read. */
  const newerUnknown = proc(newerFields);
  const nginx = proc({ pid: 60, ppid: 1, comm: "nginx", argv: ["nginx"] });
  const oldTree = [init, launcher, old, fork, helper];
  const OLDER =
    "service worker (single_instance): it is an older instance; pid 300, the same command started after it (age 1h) and listening on no other port, is running";
  const FORK_OLDER =
    "service worker (single_instance): its instance (pid 200) is an older instance; pid 300, the same command started after it (age 1h) and listening on no other port, is running";
  const NO_FILE = "no PID file of the service written after it started names a start that died";
  const UNDECIDED = `service worker: nothing says it is an older instance (no later copy of the same command runs; ${NO_FILE})`;
  const UNDECIDED_OFF = `service worker: nothing says it is an older instance (single_instance is off; ${NO_FILE})`;
  const DEAD_FILE =
    "service worker: it is an older instance; /run/worker/a.pid was written 1h ago, after it started (age 2d), and names pid 4242 (not running)";
  const IN_INSTANCE = "in instance 200 of service worker (same session)";
  const OLD_TREE_KILLED: [number, string, number | undefined][] = [
    [200, "service:worker", undefined],
    [201, "service:worker", undefined],
    [202, "service:worker", undefined],
  ];

  describe("single_instance", () => {
    it("an older instance with the same command running again is stale; it and its session's tree are killed as service:NAME", () => {
      const v = only(judge([...oldTree, newer], RULES, [200]));
      expect(v).toMatchObject({ pid: 200, stale: true, reasons: [OLDER] });
      expect(killed(v)).toEqual(OLD_TREE_KILLED);
      if (!v.stale) return;
      expect(v.entries[0]).toMatchObject({
        action: "kill",
        severity: "warning",
        facts: [OLDER],
        kill: { signal: "SIGTERM", graceMs: 10_000 },
      });
      expect(v.entries[1]!.facts).toEqual([IN_INSTANCE]);
      expect(v.entries[2]!.facts).toEqual([IN_INSTANCE]);
    });

    it("off (the default): a newer copy of the same command is no evidence", () => {
      expect(NOT_SINGLE.services[0]!.singleInstance).toBe(false);
      expect(only(judge([...oldTree, newer], NOT_SINGLE, [200]))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED_OFF],
      });
    });

    it("a forked child of an older instance is stale, and the instance root's tree goes", () => {
      const v = only(judge([...oldTree, newer], RULES, [201]));
      expect(v.reasons).toEqual([FORK_OLDER]);
      expect(killed(v)).toEqual(OLD_TREE_KILLED);
    });

    it("the newest instance is not stale", () => {
      expect(only(judge([...oldTree, newer], RULES, [300]))).toEqual({
        pid: 300,
        stale: false,
        reasons: [UNDECIDED],
      });
    });

    it("a later copy listening on the port being freed (9091) only is evidence", () => {
      for (const listening of [[tcp(9091)], [tcp(9091), tcp(9091, "::", 2)]]) {
        const v = only(judge([...oldTree, { ...newer, listening }], RULES, [200]));
        expect(v, JSON.stringify(listening)).toMatchObject({ stale: true, reasons: [OLDER] });
      }
    });

    it("a later copy listening on another port (a parallel instance), or whose sockets are unknown, is no evidence", () => {
      const udp = { ...tcp(9092), proto: "udp" as const };
      for (const listening of [[tcp(9092)], [tcp(9091), tcp(9092)], [udp]]) {
        expect(
          only(judge([...oldTree, { ...newer, listening }], RULES, [200])),
          JSON.stringify(listening),
        ).toEqual({ pid: 200, stale: false, reasons: [UNDECIDED] });
      }
      expect(newerUnknown.listening).toBeUndefined();
      expect(only(judge([...oldTree, newerUnknown], RULES, [200]))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED],
      });
    });

    it("a stopped later copy (state T or t) is no evidence", () => {
      for (const state of ["T", "t"]) {
        expect(only(judge([...oldTree, { ...newer, state }], RULES, [200])), state).toEqual({
          pid: 200,
          stale: false,
          reasons: [UNDECIDED],
        });
      }
      // Running or sleeping, it is.
      for (const state of ["R", "S", "D"])
        expect(only(judge([...oldTree, { ...newer, state }], RULES, [200])).stale, state).toBe(
          true,
        );
    });

    it("a later copy inside the older instance's own tree is no evidence", () => {
      // The helper shell ran the same command again: an instance of its own (the shell between
      // them is no copy), below the old one.
      const below = proc({ ...newerFields, pid: 210, ppid: 202, sid: 150, listening: [] });
      expect(only(judge([...oldTree, below], RULES, [200]))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED],
      });
    });

    it("a later process with another command line is no evidence: a pager on its log", () => {
      const pager = proc({
        pid: 300,
        ppid: 1,
        comm: "less",
        argv: ["less", "worker.py.log"],
        ageMs: HOUR,
        startTicks: 900_000,
        listening: [],
      });
      expect(only(judge([...oldTree, pager], RULES, [200]))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED],
      });
    });

    it("a later process with other arguments is no evidence: another --port", () => {
      const on8001 = { ...old, argv: [...workerArgv, "--port", "8001"] };
      const on8002 = { ...newer, pid: 301, argv: [...workerArgv, "--port", "8002"] };
      expect(only(judge([init, launcher, on8001, newer, on8002], RULES, [200]))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED],
      });
      // The same --port started again is.
      const again = { ...newer, argv: [...workerArgv, "--port", "8001"] };
      const v = only(judge([init, launcher, on8001, again], RULES, [200]));
      expect(v).toMatchObject({ pid: 200, stale: true, reasons: [OLDER] });
      expect(killed(v)).toEqual([[200, "service:worker", undefined]]);
    });

    it("a later process with another executable is no evidence", () => {
      const py311 = { ...old, exe: "/usr/bin/python3.11" };
      const py312 = { ...newer, exe: "/usr/bin/python3.12" };
      expect(only(judge([init, launcher, py311, py312], RULES, [200]))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED],
      });
      // The same one (or one not known) is.
      expect(
        only(judge([init, launcher, py311, { ...py312, exe: py311.exe }], RULES, [200])).stale,
      ).toBe(true);
      expect(only(judge([init, launcher, py311, newer], RULES, [200])).stale).toBe(true);
    });

    it("a later copy of the same command run by another user is no evidence", () => {
      const theirs = { ...newer, uid: 1001, user: "other", signalUids: [1001, 1001] };
      expect(only(judge([...oldTree, theirs], RULES, [200]))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED],
      });
    });

    it("the agent's own process is no evidence, even with the very same command line", () => {
      const agent = proc({
        pid: 500,
        ppid: 1,
        argv: workerArgv,
        ageMs: 1_000,
        startTicks: 990_000,
        listening: [],
      });
      expect(only(judge([...oldTree, agent], RULES, [200], { selfPid: 500 }))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED],
      });
      // Not the agent: the same process is evidence.
      const other = only(judge([...oldTree, agent], RULES, [200], { selfPid: 4321 }));
      expect(other.stale).toBe(true);
      expect(other.reasons).toEqual([
        "service worker (single_instance): it is an older instance; pid 500, the same command started after it (age 1s) and listening on no other port, is running",
      ]);
    });

    it("nor is an ancestor of the agent", () => {
      const parent = { ...newer, pid: 450, startTicks: 950_000 };
      const agent = proc({
        pid: 500,
        ppid: 450,
        sid: 450,
        comm: "node",
        argv: ["node", "cleanup", "port", "9091"],
        startTicks: 990_000,
      });
      expect(only(judge([...oldTree, parent, agent], RULES, [200], { selfPid: 500 }))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED],
      });
    });
  });

  describe("the instance: the selected process and the parents it is a forked copy of", () => {
    // `screen -S worker.py` → bash → `python3 worker.py`: SCREEN's command line matches too, but
    // it is no copy of the worker. Each screen window is a session of its own.
    const screen = proc({
      pid: 400,
      ppid: 1,
      comm: "screen",
      argv: ["SCREEN", "-S", "worker.py"],
      startTicks: 4_000,
    });
    const shell = proc({
      pid: 401,
      ppid: 400,
      comm: "bash",
      argv: ["/bin/bash"],
      startTicks: 4_001,
    });
    const inScreen = proc({
      pid: 402,
      ppid: 401,
      sid: 401,
      argv: workerArgv,
      ageMs: 2 * DAY,
      startTicks: 5_000,
    });
    const child = proc({ pid: 403, ppid: 402, sid: 401, comm: "sh", argv: ["sh", "-c", "x"] });

    it("a worker inside screen is its own instance: SCREEN and the shell are not killed", () => {
      const v = only(judge([init, screen, shell, inScreen, child, newer], RULES, [402]));
      expect(v).toMatchObject({ pid: 402, stale: true, reasons: [OLDER] });
      expect(killed(v)).toEqual([
        [402, "service:worker", undefined],
        [403, "service:worker", undefined],
      ]);
      if (!v.stale) return;
      expect(v.entries[1]!.facts).toEqual(["in instance 402 of service worker (same session)"]);
    });

    // `tmux new-session -d 'python3 worker.py'`: the server carries the command in its argv; the
    // worker runs in one pane (its own session), vim and postgres in another.
    const tmux = proc({
      pid: 600,
      ppid: 1,
      comm: "tmux: server",
      argv: ["tmux", "new-session", "-d", "-s", "w", "python3 worker.py"],
      startTicks: 3_000,
    });
    const paneWorker = proc({
      pid: 601,
      ppid: 600,
      argv: workerArgv,
      ageMs: 2 * DAY,
      startTicks: 5_000,
    });
    const paneHelper = proc({
      pid: 602,
      ppid: 601,
      sid: 601,
      comm: "sh",
      argv: ["sh", "-c", "x"],
      startTicks: 5_001,
    });
    const paneShell = proc({ pid: 610, ppid: 600, comm: "bash", argv: ["-bash"] });
    const vim = proc({ pid: 611, ppid: 610, sid: 610, comm: "vim", argv: ["vim", "worker.py"] });
    const postgres = proc({
      pid: 612,
      ppid: 610,
      sid: 610,
      comm: "postgres",
      argv: ["postgres", "-D", "/var/lib/postgresql/data"],
    });
    const tmuxTree = [init, tmux, paneWorker, paneHelper, paneShell, vim, postgres];

    it("a worker in a tmux pane goes with its session only: the tmux server, vim and postgres are never targets", () => {
      const v = only(judge([...tmuxTree, newer], RULES, [601]));
      expect(v).toMatchObject({ pid: 601, stale: true, reasons: [OLDER] });
      expect(killed(v)).toEqual([
        [601, "service:worker", undefined],
        [602, "service:worker", undefined],
      ]);
      // The same by a PID file naming a start that died.
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 4242, mtimeMs: NOW - HOUR }];
      const byFile = only(judge(tmuxTree, NOT_SINGLE, [601], { pidFiles }));
      expect(byFile.reasons).toEqual([DEAD_FILE]);
      expect(killed(byFile)).toEqual([
        [601, "service:worker", undefined],
        [602, "service:worker", undefined],
      ]);
    });

    it("the tmux server, vim on worker.py and postgres are not stale themselves", () => {
      expect(judge([...tmuxTree, newer], RULES, [600, 611, 612])).toEqual([
        { pid: 600, stale: false, reasons: [UNDECIDED] },
        { pid: 611, stale: false, reasons: [UNDECIDED] },
        {
          pid: 612,
          stale: false,
          reasons: ["no kill rule and no service in the rules matches it"],
        },
      ]);
    });

    it("a restart-loop wrapper carrying the command is not the instance, and is not killed", () => {
      const loop = proc({
        pid: 700,
        ppid: 1,
        comm: "bash",
        argv: ["bash", "-c", "while :; do python3 worker.py; done"],
        startTicks: 4_000,
      });
      const looped = proc({
        pid: 701,
        ppid: 700,
        sid: 700,
        argv: workerArgv,
        ageMs: 2 * DAY,
        startTicks: 5_000,
      });
      const v = only(judge([init, loop, looped, newer], RULES, [701]));
      expect(v).toMatchObject({ pid: 701, stale: true, reasons: [OLDER] });
      expect(killed(v)).toEqual([[701, "service:worker", undefined]]);
    });

    it("a forked copy that left its instance's session (setsid) is refused", () => {
      const detached = { ...fork, sid: 201 };
      expect(only(judge([init, launcher, old, detached, helper, newer], RULES, [201]))).toEqual({
        pid: 201,
        stale: false,
        reasons: [FORK_OLDER, "but it (pid 201) is in another session than its instance 200"],
      });
      // Judged from the instance, it stays out of the kill.
      const v = only(judge([init, launcher, old, detached, helper, newer], RULES, [200]));
      expect(killed(v)).toEqual([
        [200, "service:worker", undefined],
        [202, "service:worker", undefined],
      ]);
    });
  });

  describe("the kill scope: the instance and its descendants in its session", () => {
    const REDIS = config(`
rules: []
services:
  - name: worker
    match: { cmdline: '\\bworker\\.py\\b' }
    single_instance: true
  - name: redis
    match: { comm: [redis-server] }
    pid_files: [/run/redis/redis.pid]
`);
    const redisFields = {
      pid: 250,
      ppid: 200,
      comm: "redis-server",
      argv: ["redis-server", "*:6379"],
      startTicks: 5_010,
    };

    it("a redis-server the worker started in its own session (setsid) is not a target", () => {
      const redis = proc(redisFields);
      expect(redis.sid).toBe(250);
      const v = only(judge([...oldTree, redis, newer], REDIS, [200]));
      expect(v).toMatchObject({ pid: 200, stale: true, reasons: [OLDER] });
      expect(killed(v)).toEqual(OLD_TREE_KILLED);
    });

    it("one in the worker's session goes with it", () => {
      const redis = proc({ ...redisFields, sid: 150 });
      const v = only(judge([...oldTree, redis, newer], REDIS, [200]));
      expect(killed(v)).toEqual([...OLD_TREE_KILLED, [250, "service:worker", undefined]]);
      if (!v.stale) return;
      expect(v.entries[3]!.facts).toEqual([IN_INSTANCE]);
    });

    it("unless another service's PID file names it: not stale", () => {
      const redis = proc({ ...redisFields, sid: 150 });
      const pidFilesBy = {
        worker: [],
        redis: [{ path: "/run/redis/redis.pid", pid: 250, mtimeMs: NOW - DAY }],
      };
      expect(only(judge([...oldTree, redis, newer], REDIS, [200], { pidFilesBy }))).toEqual({
        pid: 200,
        stale: false,
        reasons: [
          "/run/redis/redis.pid names pid 250, inside its instance (pid 200): a current process",
        ],
      });
    });
  });

  describe("PID files", () => {
    it("a PID file naming the instance keeps it, even with the same command running again", () => {
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 200, mtimeMs: NOW - HOUR }];
      expect(only(judge([...oldTree, newer], RULES, [200], { pidFiles }))).toEqual({
        pid: 200,
        stale: false,
        reasons: ["service worker: /run/worker/a.pid names it: the current instance"],
      });
    });

    it("a PID file naming the instance's forked child tracks the instance", () => {
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 201, mtimeMs: NOW - HOUR }];
      expect(only(judge([...oldTree, newer], RULES, [200], { pidFiles }))).toEqual({
        pid: 200,
        stale: false,
        reasons: ["service worker: /run/worker/a.pid names it: the current instance"],
      });
      // Judged from the forked child itself, the file names "its instance".
      expect(only(judge([...oldTree, newer], RULES, [201], { pidFiles }))).toEqual({
        pid: 201,
        stale: false,
        reasons: [
          "service worker: /run/worker/a.pid names its instance (pid 200): the current instance",
        ],
      });
    });

    // Was a bug: the walk up from the named pid marked the launcher as seen, so the walk up from
    // the instance's parent stopped at once and never found it.
    it("a PID file naming the instance's launcher (its parent) tracks the instance", () => {
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 150, mtimeMs: NOW - HOUR }];
      expect(only(judge([...oldTree, newer], RULES, [200], { pidFiles }))).toEqual({
        pid: 200,
        stale: false,
        reasons: ["service worker: /run/worker/a.pid names it: the current instance"],
      });
    });

    it("a PID file naming a process above the launcher's session leader does not track it", () => {
      const sshd = proc({ pid: 140, ppid: 1, comm: "sshd", argv: ["sshd: alice"], uid: 0 });
      const loginLauncher = { ...launcher, ppid: 140 };
      const processes = [init, sshd, loginLauncher, old, fork, helper, newer];
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 140, mtimeMs: NOW - HOUR }];
      const v = only(judge(processes, RULES, [200], { pidFiles }));
      expect(v).toMatchObject({ pid: 200, stale: true, reasons: [OLDER] });
      expect(killed(v)).toEqual(OLD_TREE_KILLED);
    });

    it("a literal PID file written after the instance started naming a dead pid makes it stale", () => {
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 4242, mtimeMs: NOW - HOUR }];
      const v = only(judge(oldTree, NOT_SINGLE, [200], { pidFiles }));
      expect(v).toMatchObject({ pid: 200, stale: true, reasons: [DEAD_FILE] });
      expect(killed(v)).toEqual(OLD_TREE_KILLED);
    });

    it("the same file matched through a glob says nothing (a glob may catch other services' files)", () => {
      expect(GLOB.services[0]!.pidFiles).toEqual(["/run/worker/*.pid"]);
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 4242, mtimeMs: NOW - HOUR }];
      expect(only(judge(oldTree, GLOB, [200], { pidFiles }))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED_OFF],
      });
    });

    it("a zombie named by a later PID file counts as not running", () => {
      const zombie = proc({ pid: 4242, ppid: 1, state: "Z", argv: [] });
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 4242, mtimeMs: NOW - HOUR }];
      const v = only(judge([...oldTree, zombie], NOT_SINGLE, [200], { pidFiles }));
      expect(v).toMatchObject({ pid: 200, stale: true, reasons: [DEAD_FILE] });
      expect(killed(v)).toEqual(OLD_TREE_KILLED);
    });

    it("a PID file written less than 60s after the instance started says nothing", () => {
      const started = NOW - 2 * DAY;
      for (const mtimeMs of [started + 5, started + 59_000, started + 59_999]) {
        const pidFiles = [{ path: "/run/worker/a.pid", pid: 4242, mtimeMs }];
        expect(only(judge(oldTree, NOT_SINGLE, [200], { pidFiles })), String(mtimeMs)).toEqual({
          pid: 200,
          stale: false,
          reasons: [UNDECIDED_OFF],
        });
      }
      // From 60s on, it does.
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 4242, mtimeMs: started + 60_000 }];
      const v = only(judge(oldTree, NOT_SINGLE, [200], { pidFiles }));
      expect(v).toMatchObject({
        pid: 200,
        stale: true,
        reasons: [
          "service worker: it is an older instance; /run/worker/a.pid was written 1d23h ago, after it started (age 2d), and names pid 4242 (not running)",
        ],
      });
      expect(killed(v)).toEqual(OLD_TREE_KILLED);
    });

    it("a double-forked newer start lives on: its file names the dead intermediate, not stale", () => {
      // `worker.py --daemon & echo $! > a.pid`: $! is the intermediate (4242), which forked the
      // daemon (setsid, reparented to PID 1) and exited.
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 4242, mtimeMs: NOW - HOUR }];
      const daemon = proc({ pid: 310, ppid: 1, argv: workerArgv, ageMs: HOUR - 50 });
      expect(only(judge([...oldTree, daemon], NOT_SINGLE, [200], { pidFiles }))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED_OFF],
      });
      // Any instance of the service started from 60s before the file on voids it, whatever its
      // arguments; one started earlier does not.
      for (const ageMs of [HOUR + 60_000, 60_000]) {
        const other = { ...daemon, ageMs, argv: [...workerArgv, "--port", "8002"] };
        expect(
          only(judge([...oldTree, other], NOT_SINGLE, [200], { pidFiles })),
          String(ageMs),
        ).toEqual({ pid: 200, stale: false, reasons: [UNDECIDED_OFF] });
      }
      const earlier = { ...daemon, ageMs: HOUR + 60_001 };
      const v = only(judge([...oldTree, earlier], NOT_SINGLE, [200], { pidFiles }));
      expect(v).toMatchObject({ pid: 200, stale: true, reasons: [DEAD_FILE] });
      expect(killed(v)).toEqual(OLD_TREE_KILLED);
    });

    it("a PID file written before the instance started, naming a dead pid, says nothing", () => {
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 4242, mtimeMs: NOW - 3 * DAY }];
      expect(only(judge(oldTree, NOT_SINGLE, [200], { pidFiles }))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED_OFF],
      });
    });

    it("a PID file without mtime, naming a dead pid, says nothing", () => {
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 4242, mtimeMs: null }];
      expect(only(judge(oldTree, NOT_SINGLE, [200], { pidFiles }))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED_OFF],
      });
    });

    it("a later PID file naming a live newer instance says nothing", () => {
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 300, mtimeMs: NOW - HOUR }];
      expect(only(judge([...oldTree, newer], NOT_SINGLE, [200], { pidFiles }))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED_OFF],
      });
    });

    it("a later PID file naming a live process of another program says nothing", () => {
      const pidFiles = [{ path: "/run/worker/a.pid", pid: 60, mtimeMs: NOW - HOUR }];
      expect(only(judge([...oldTree, nginx], NOT_SINGLE, [200], { pidFiles }))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED_OFF],
      });
    });

    it("PID files of another service are not this service's evidence", () => {
      const pidFilesBy = {
        other: [{ path: "/run/worker/a.pid", pid: 4242, mtimeMs: NOW - HOUR }],
      };
      expect(judge(oldTree, NOT_SINGLE, [200], { pidFilesBy })).toEqual([
        { pid: 200, stale: false, reasons: [UNDECIDED_OFF] },
      ]);
    });
  });

  describe("any service's PID file naming the instance vetoes a stale verdict", () => {
    const OTHER = "/run/other/other.pid";
    const byOther = (pid: number) => ({
      worker: [],
      other: [{ path: OTHER, pid, mtimeMs: NOW - DAY }],
    });

    it("naming the instance, a process below it or its launcher: a current process", () => {
      const named: [number, string][] = [
        [200, "it"],
        [201, "pid 201, inside its instance (pid 200)"],
        [202, "pid 202, inside its instance (pid 200)"],
        [150, "pid 150, the launcher of its instance (pid 200)"],
      ];
      for (const [pid, what] of named) {
        expect(
          only(judge([...oldTree, newer], RULES, [200], { pidFilesBy: byOther(pid) })),
          String(pid),
        ).toEqual({
          pid: 200,
          stale: false,
          reasons: [`${OTHER} names ${what}: a current process`],
        });
      }
      // Judged from the forked child, the file names its instance.
      expect(only(judge([...oldTree, newer], RULES, [201], { pidFilesBy: byOther(200) }))).toEqual({
        pid: 201,
        stale: false,
        reasons: [`${OTHER} names its instance (pid 200): a current process`],
      });
    });

    it("naming another process (the newer instance, nginx, a dead pid) does not", () => {
      for (const pid of [300, 60, 4242]) {
        const v = only(
          judge([...oldTree, newer, nginx], RULES, [200], { pidFilesBy: byOther(pid) }),
        );
        expect(v, String(pid)).toMatchObject({ pid: 200, stale: true, reasons: [OLDER] });
      }
    });
  });

  describe("a service tracking it as its current instance vetoes another calling it stale", () => {
    const API = ["/srv/venv/bin/python3", "-m", "uvicorn", "app:api"];
    const rules = config(`
rules: []
services:
  - name: py
    match: { comm: [python3] }
    single_instance: true
  - name: api
    match: { cmdline: 'uvicorn app:api' }
    pid_files: [/run/api/api.pid]
`);
    const api = proc({ pid: 200, ppid: 1, argv: API, ageMs: 2 * DAY, startTicks: 5_000 });
    const copy = proc({
      pid: 300,
      ppid: 1,
      argv: API,
      ageMs: HOUR,
      startTicks: 900_000,
      listening: [],
    });
    const PY_OLDER =
      "service py (single_instance): it is an older instance; pid 300, the same command started after it (age 1h) and listening on no other port, is running";

    it("without the PID file, the broader service calls it stale", () => {
      const v = only(judge([init, api, copy], rules, [200], { pidFilesBy: { api: [] } }));
      expect(v).toMatchObject({ pid: 200, stale: true, reasons: [PY_OLDER] });
      expect(killed(v)).toEqual([[200, "service:py", undefined]]);
    });

    it("with service api's PID file naming it, it is the current instance: not stale", () => {
      const pidFilesBy = { api: [{ path: "/run/api/api.pid", pid: 200, mtimeMs: NOW - DAY }] };
      const v = only(judge([init, api, copy], rules, [200], { pidFilesBy }));
      expect(v).toEqual({
        pid: 200,
        stale: false,
        reasons: ["service api: /run/api/api.pid names it: the current instance"],
      });
    });
  });

  describe("what may not be killed", () => {
    it("a protected stale instance may not be killed", () => {
      const rules = config(`
protect: [{ cmdline: '--keep' }]
rules: []
services:
  - name: worker
    match: { cmdline: '\\bworker\\.py\\b' }
    single_instance: true
`);
      const keepArgv = [...workerArgv, "--keep"];
      const kept = { ...old, argv: keepArgv };
      const keptFork = { ...fork, argv: keepArgv };
      const keptNewer = { ...newer, argv: keepArgv };
      const processes = [init, launcher, kept, keptFork, helper, keptNewer];
      expect(only(judge(processes, rules, [200]))).toEqual({
        pid: 200,
        stale: false,
        reasons: [OLDER, "but pid 200 may not be killed: protected: listed in protect[0]"],
      });
      // The forked child (the same command line: protected too) is blocked by its instance root.
      expect(only(judge(processes, rules, [201]))).toEqual({
        pid: 201,
        stale: false,
        reasons: [
          FORK_OLDER,
          "but pid 200 may not be killed: protected: listed in protect[0]",
          "but pid 201 may not be killed: protected: listed in protect[0]",
        ],
      });
    });

    it("a protected process elsewhere in the tree stays; the holder still goes", () => {
      const rules = config(`
protect: [{ comm: [sh] }]
rules: []
services:
  - name: worker
    match: { cmdline: '\\bworker\\.py\\b' }
    single_instance: true
`);
      const v = only(judge([...oldTree, newer], rules, [200]));
      expect(v.reasons).toEqual([OLDER]);
      expect(killed(v)).toEqual([
        [200, "service:worker", undefined],
        [201, "service:worker", undefined],
      ]);
    });

    it("an instance that is the agent's ancestor may not be killed", () => {
      const agent = proc({
        pid: 500,
        ppid: 200,
        sid: 150,
        comm: "node",
        argv: ["node", "cleanup"],
      });
      expect(only(judge([...oldTree, agent, newer], RULES, [200], { selfPid: 500 }))).toEqual({
        pid: 200,
        stale: false,
        reasons: [OLDER, "but pid 200 may not be killed: protected: an ancestor of the agent"],
      });
    });

    it("a tree over settings.max_kills_per_run is refused", () => {
      const rules = config(`
settings: { max_kills_per_run: 2 }
rules: []
services:
  - name: worker
    match: { cmdline: '\\bworker\\.py\\b' }
    single_instance: true
`);
      expect(only(judge([...oldTree, newer], rules, [200]))).toEqual({
        pid: 200,
        stale: false,
        reasons: [OLDER, "but its tree has 3 processes, over settings.max_kills_per_run (2)"],
      });
    });
  });

  it("a kill rule's verdict comes before the service's", () => {
    const rules = config(`
rules:
  - name: old-workers
    match: { cmdline: '\\bworker\\.py\\b', older_than: 1d }
    action: kill
    tree: false
services:
  - name: worker
    match: { cmdline: '\\bworker\\.py\\b' }
    single_instance: true
`);
    const v = only(judge([...oldTree, newer], rules, [200]));
    expect(v.reasons).toEqual([`kill rule old-workers: ${WORKER_FACT}; age 2d ≥ 1d`]);
    expect(killed(v)).toEqual([[200, "old-workers", undefined]]);
  });
});
