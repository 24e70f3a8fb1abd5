// judgeHolders: whether a port's holder is stale by the rules (a kill rule names it, or it is an
// older instance of a tracked service), on hand-built snapshots.
import { describe, expect, it } from "vitest";
import type { Resource } from "../../src/config/types.js";
import type { Config } from "../../src/config/types.js";
import type { Level } from "../../src/host/thresholds.js";
import { plan } from "../../src/rules/plan.js";
import type { Actor } from "../../src/rules/plan-types.js";
import { judgeHolders, type PidFileEvidence, type Verdict } from "../../src/rules/stale.js";
import type { ProcessInfo } from "../../src/scan/types.js";
import { DAY, SPAWN_ARGV, config, proc, snapshot } from "../helpers/fixtures.js";

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
  // The old instance (2 days), its forked worker (same cmdline) and a helper; a newer instance.
  const launcher = proc({ pid: 150, ppid: 1, comm: "bash", argv: ["bash", "start.sh"] });
  const old = proc({ pid: 200, ppid: 150, argv: workerArgv, ageMs: 2 * DAY, startTicks: 5_000 });
  const fork = proc({ pid: 201, ppid: 200, argv: workerArgv, ageMs: 2 * DAY, startTicks: 5_001 });
  const helper = proc({
    pid: 202,
    ppid: 200,
    comm: "sh",
    argv: ["sh", "-c", "x"],
    startTicks: 5_002,
  });
  const newer = proc({ pid: 300, ppid: 1, argv: workerArgv, ageMs: HOUR, startTicks: 900_000 });
  const nginx = proc({ pid: 60, ppid: 1, comm: "nginx", argv: ["nginx"] });
  const oldTree = [init, launcher, old, fork, helper];
  const OLDER =
    "service worker (single_instance): it is an older instance; pid 300, the same command started after it (age 1h), is running";
  const FORK_OLDER =
    "service worker (single_instance): its instance (pid 200) is an older instance; pid 300, the same command started after it (age 1h), is running";
  const NO_FILE = "no PID file of the service written after it started names a start that died";
  const UNDECIDED = `service worker: nothing says it is an older instance (no later copy of the same command runs; ${NO_FILE})`;
  const UNDECIDED_OFF = `service worker: nothing says it is an older instance (single_instance is off; ${NO_FILE})`;
  const DEAD_FILE =
    "service worker: it is an older instance; /run/worker/a.pid was written 1h ago, after it started (age 2d), and names pid 4242 (not running)";
  const OLD_TREE_KILLED: [number, string, number | undefined][] = [
    [200, "service:worker", undefined],
    [201, "service:worker", 200],
    [202, "service:worker", 200],
  ];

  describe("single_instance", () => {
    it("an older instance with the same command running again is stale; its tree is killed as service:NAME", () => {
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
      expect(v.entries[1]!.facts).toEqual(["descendant of 200 (tree)"]);
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

    it("a later process with another command line is no evidence: a pager on its log", () => {
      const pager = proc({
        pid: 300,
        ppid: 1,
        comm: "less",
        argv: ["less", "worker.py.log"],
        ageMs: HOUR,
        startTicks: 900_000,
      });
      expect(only(judge([...oldTree, pager], RULES, [200]))).toEqual({
        pid: 200,
        stale: false,
        reasons: [UNDECIDED],
      });
    });

    it("a later process with other arguments is no evidence: another --port", () => {
      const on8001 = { ...old, argv: [...workerArgv, "--port", "8001"] };
      const on8002 = { ...newer, argv: [...workerArgv, "--port", "8002"] };
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
        "service worker (single_instance): it is an older instance; pid 500, the same command started after it (age 1s), is running",
      ]);
    });

    it("nor is an ancestor of the agent", () => {
      const parent = { ...newer, pid: 450, startTicks: 950_000 };
      const agent = proc({
        pid: 500,
        ppid: 450,
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

  describe("the instance: a contiguous chain of matching processes", () => {
    // `screen -S worker.py` → bash → `python3 worker.py`: SCREEN's command line matches too, but
    // the shell between them does not, so the instance is the python process.
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
      argv: workerArgv,
      ageMs: 2 * DAY,
      startTicks: 5_000,
    });
    const child = proc({ pid: 403, ppid: 402, comm: "sh", argv: ["sh", "-c", "x"] });

    it("a worker inside screen is its own instance: SCREEN and the shell are not killed", () => {
      const v = only(judge([init, screen, shell, inScreen, child, newer], RULES, [402]));
      expect(v).toMatchObject({ pid: 402, stale: true, reasons: [OLDER] });
      expect(killed(v)).toEqual([
        [402, "service:worker", undefined],
        [403, "service:worker", 402],
      ]);
      if (!v.stale) return;
      const pids = v.entries.map((e) => e.process.pid);
      expect(pids).not.toContain(400);
      expect(pids).not.toContain(401);
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
    const copy = proc({ pid: 300, ppid: 1, argv: API, ageMs: HOUR, startTicks: 900_000 });
    const PY_OLDER =
      "service py (single_instance): it is an older instance; pid 300, the same command started after it (age 1h), is running";

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
      expect(v.reasons.join("; ")).toContain("the current instance");
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
      const keptNewer = { ...newer, argv: keepArgv };
      const processes = [init, launcher, kept, fork, helper, keptNewer];
      expect(only(judge(processes, rules, [200]))).toEqual({
        pid: 200,
        stale: false,
        reasons: [OLDER, "but pid 200 may not be killed: protected: listed in protect[0]"],
      });
      // The forked child is blocked by its instance root too.
      expect(only(judge(processes, rules, [201]))).toEqual({
        pid: 201,
        stale: false,
        reasons: [FORK_OLDER, "but pid 200 may not be killed: protected: listed in protect[0]"],
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
        [201, "service:worker", 200],
      ]);
    });

    it("an instance that is the agent's ancestor may not be killed", () => {
      const agent = proc({ pid: 500, ppid: 200, comm: "node", argv: ["node", "cleanup"] });
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
