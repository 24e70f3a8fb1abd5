import { describe, expect, it } from "vitest";
import { plan } from "../../../src/rules/plan.js";
import type { Actor } from "../../../src/rules/plan-types.js";
import { DAY, SPAWN_ARGV, TRACKER_ARGV, config, proc, snapshot } from "../../helpers/fixtures.js";

const ROOT: Actor = { uid: 0, mayKillAnyUser: true };

const ORPHAN_RULES = config(`
rules:
  - name: orphans
    match:
      cmdline: ' -c from multiprocessing\\.(spawn|resource_tracker) import '
      orphaned: true
      older_than: 1d
    action: kill
    grace: 5s
`);

const init = proc({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, user: "root" });

describe("plan: orphans", () => {
  it("kills an orphaned spawn child older than 1d and says why", () => {
    const worker = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV, ageMs: 2 * DAY });
    const tracker = proc({ pid: 101, ppid: 1, argv: TRACKER_ARGV, ageMs: 3 * DAY });
    const result = plan(snapshot([init, worker, tracker]), ORPHAN_RULES, ROOT);
    expect(result.entries.map((e) => [e.action, e.process.pid])).toEqual([
      ["kill", 100],
      ["kill", 101],
    ]);
    const entry = result.entries[0]!;
    expect(entry.rule).toBe("orphans");
    expect(entry.kill).toEqual({ signal: "SIGTERM", graceMs: 5000 });
    expect(entry.process.startTicks).toBe(worker.startTicks);
    expect(entry.facts).toEqual([
      "cmdline matches / -c from multiprocessing\\.(spawn|resource_tracker) import /",
      "orphaned (parent 1 systemd)",
      "age 2d ≥ 1d",
    ]);
    expect(result.spared).toEqual([]);
  });

  it("spares the same pattern when the parent is alive", () => {
    const parent = proc({ pid: 50, ppid: 1, argv: ["python3", "worker.py"] });
    const worker = proc({ pid: 100, ppid: 50, argv: SPAWN_ARGV });
    const result = plan(snapshot([init, parent, worker]), ORPHAN_RULES, ROOT);
    expect(result.entries).toEqual([]);
    expect(result.spared).toHaveLength(1);
    expect(result.spared[0]).toMatchObject({
      rule: "orphans",
      code: "parent-alive",
      reasons: ["parent alive (parent 50 python3)"],
    });
    expect(result.spared[0]!.process.pid).toBe(100);
  });

  it("spares an orphan younger than older_than, with its age", () => {
    const young = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV, ageMs: 5 * 60_000 });
    const result = plan(snapshot([init, young]), ORPHAN_RULES, ROOT);
    expect(result.entries).toEqual([]);
    expect(result.spared[0]).toMatchObject({
      code: "too-young",
      reasons: ["too young (age 5m < 1d)"],
    });
  });

  it("treats children of a subreaper (name and root-owned binary) as orphans, and of PID 1 only if it adopts", () => {
    const evidence = {
      exe: "/usr/lib/systemd/systemd",
      exeUid: 0,
      exeMode: 0o100755,
      sameMountNamespace: true,
      namespaceInit: false,
    };
    const userManager = proc({
      pid: 40,
      ppid: 1,
      comm: "systemd",
      argv: ["/lib/systemd/systemd", "--user"],
      reaperEvidence: evidence,
    });
    const underReaper = proc({ pid: 100, ppid: 40, argv: SPAWN_ARGV });
    const adopted = plan(snapshot([init, userManager, underReaper]), ORPHAN_RULES, ROOT);
    expect(adopted.entries.map((e) => e.process.pid)).toEqual([100]);
    expect(adopted.entries[0]!.facts).toContain(
      "orphaned (parent 40 systemd: /usr/lib/systemd/systemd, root-owned)",
    );

    // The same name on a python binary is no reaper: its child is spared, and the plan says why.
    const impostor = {
      ...userManager,
      reaperEvidence: { ...evidence, exe: "/usr/bin/python3.11" },
    };
    const spared = plan(snapshot([init, impostor, underReaper]), ORPHAN_RULES, ROOT);
    expect(spared.entries).toEqual([]);
    expect(spared.spared[0]).toMatchObject({
      code: "parent-alive",
      reasons: [
        "parent alive (parent 40 systemd: not a reaper — /usr/bin/python3.11 is not systemd)",
      ],
    });

    const appAsPid1 = config(`
settings: { pid1_adopts_orphans: false }
rules:
  - name: orphans
    match: { cmdline: 'spawn_main', orphaned: true }
    action: kill
`);
    const childOfApp = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV });
    const result = plan(snapshot([init, childOfApp]), appAsPid1, ROOT);
    expect(result.entries).toEqual([]);
    expect(result.spared[0]?.code).toBe("parent-alive");
  });
});

describe("plan: protection", () => {
  const everything = config(`
protect:
  - comm: [sshd]
  - cmdline: 'keep-me'
rules:
  - name: all-old
    match: { cmdline: '.', older_than: 1s }
    action: kill
    max_kills: 100
`);

  it("never targets PID 1, kernel threads, the agent, its ancestors or the protect list", () => {
    const kthread = proc({ pid: 3, ppid: 2, comm: "kworker/0:1", kernelThread: true, argv: [] });
    const shell = proc({ pid: 10, ppid: 1, comm: "bash", argv: ["bash"] });
    const agent = proc({ pid: 11, ppid: 10, comm: "node", argv: ["node", "cleanup"] });
    const sshd = proc({ pid: 20, ppid: 1, comm: "sshd", argv: ["sshd: /usr/sbin/sshd"] });
    const kept = proc({ pid: 21, ppid: 1, argv: ["python3", "keep-me.py"] });
    const victim = proc({ pid: 30, ppid: 1, argv: ["python3", "stale.py"] });
    const result = plan(
      snapshot([init, kthread, shell, agent, sshd, kept, victim], 11),
      everything,
      ROOT,
    );
    expect(result.entries.map((e) => e.process.pid)).toEqual([30]);
    const why = Object.fromEntries(result.spared.map((s) => [s.process.pid, s.reasons[0]]));
    expect(why).toEqual({
      1: "protected: PID 1",
      10: "protected: an ancestor of the agent",
      11: "protected: the agent itself",
      20: "protected: listed in protect[0]",
      21: "protected: listed in protect[1]",
    });
  });

  it("never targets a process whose detail was not read", () => {
    const unread = proc({ pid: 30, ppid: 1, argv: null, uid: null });
    expect(plan(snapshot([init, unread]), everything, ROOT).entries).toEqual([]);
  });

  it("as an ordinary user, spares other users' processes and says so", () => {
    const mine = proc({
      pid: 30,
      ppid: 1,
      argv: ["python3", "mine.py"],
      uid: 1000,
      signalUids: [1000, 1000],
    });
    const theirs = proc({
      pid: 31,
      ppid: 1,
      argv: ["python3", "theirs.py"],
      uid: 1001,
      signalUids: [1001, 1001],
      user: "bob",
    });
    const result = plan(snapshot([mine, theirs]), everything, { uid: 1000, mayKillAnyUser: false });
    expect(result.entries.map((e) => e.process.pid)).toEqual([30]);
    expect(result.spared[0]).toMatchObject({ code: "not-permitted" });
    expect(result.spared[0]!.reasons[0]).toContain("owned by bob");
  });
});

describe("plan: trees", () => {
  it("kills the descendants of a target, snapshotted from the scan, and marks them", () => {
    const rules = config(`
protect: [{ comm: [keeper] }]
rules:
  - name: orphans
    match: { cmdline: 'spawn_main', orphaned: true }
    action: kill
`);
    const root = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV });
    const child = proc({ pid: 101, ppid: 100, comm: "sh", argv: ["sh", "-c", "spawn_main"] });
    const grandchild = proc({ pid: 102, ppid: 101, comm: "sleep", argv: ["sleep", "600"] });
    const keeper = proc({ pid: 103, ppid: 100, comm: "keeper", argv: ["keeper"] });
    const result = plan(snapshot([init, root, child, grandchild, keeper]), rules, ROOT);
    expect(result.entries.map((e) => [e.process.pid, e.kill?.treeOf])).toEqual([
      [100, undefined],
      [101, 100],
      [102, 100],
    ]);
    expect(result.entries[1]!.facts).toEqual(["descendant of 100 (tree)"]);
    // The child matched the selector too but its parent lives: it is listed once, as a target.
    expect(result.spared.map((s) => s.process.pid)).toEqual([103]);
    expect(result.spared.find((s) => s.process.pid === 103)?.code).toBe("protected");
  });

  it("with tree: false, kills only the matched process", () => {
    const rules = config(`
rules:
  - name: orphans
    match: { cmdline: 'spawn_main', orphaned: true }
    action: kill
    tree: false
`);
    const root = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV });
    const child = proc({ pid: 101, ppid: 100, argv: ["sleep", "1"] });
    expect(
      plan(snapshot([init, root, child]), rules, ROOT).entries.map((e) => e.process.pid),
    ).toEqual([100]);
  });
});

describe("plan: kill budgets", () => {
  const orphans = [100, 101, 102].map((pid) => proc({ pid, ppid: 1, argv: SPAWN_ARGV }));

  it("a rule over its budget kills none, raises a refusal, and spares each with the reason", () => {
    const rules = config(`
rules:
  - name: orphans
    match: { cmdline: 'spawn_main', orphaned: true }
    action: kill
    max_kills: 2
`);
    const result = plan(snapshot([init, ...orphans]), rules, ROOT);
    expect(result.entries).toEqual([]);
    expect(result.refusals).toEqual([
      expect.objectContaining({
        rule: "orphans",
        scope: "rule",
        wouldKill: 3,
        budget: 2,
        severity: "critical",
      }),
    ]);
    expect(result.spared.map((s) => s.code)).toEqual(["over-budget", "over-budget", "over-budget"]);
  });

  it("the run budget refuses the rule that would exceed it; earlier rules keep theirs", () => {
    const rules = config(`
settings: { max_kills_per_run: 3 }
rules:
  - name: first
    match: { cmdline: 'spawn_main', orphaned: true }
    action: kill
  - name: second
    match: { cmdline: 'resource_tracker', orphaned: true }
    action: kill
`);
    const trackers = [200, 201].map((pid) => proc({ pid, ppid: 1, argv: TRACKER_ARGV }));
    const result = plan(snapshot([init, ...orphans, ...trackers]), rules, ROOT);
    expect(result.entries.map((e) => e.rule)).toEqual(["first", "first", "first"]);
    expect(result.refusals).toEqual([
      expect.objectContaining({ rule: "second", scope: "run", wouldKill: 2, budget: 0 }),
    ]);
  });
});

describe("plan: alerts and reports", () => {
  const rules = config(`
rules:
  - name: reload
    match: { cmdline: '\\buvicorn\\b.*\\s--reload\\b' }
    action: alert
  - name: big
    match: { rss_over: 500MB }
    action: report
`);

  it("raises alerts and reports without spared noise from conditions-only rules", () => {
    const reload = proc({
      pid: 10,
      argv: ["/venv/bin/python", "/venv/bin/uvicorn", "app:api", "--reload"],
    });
    const big = proc({ pid: 11, argv: ["python3", "model.py"], rssBytes: 600e6 });
    const small = proc({ pid: 12, argv: ["python3", "tiny.py"], rssBytes: 1e6 });
    const result = plan(snapshot([reload, big, small]), rules, ROOT);
    expect(result.entries.map((e) => [e.action, e.rule, e.process.pid, e.severity])).toEqual([
      ["alert", "reload", 10, "warning"],
      ["report", "big", 11, "info"],
    ]);
    expect(result.entries[1]!.facts).toEqual(["rss 572MiB > 500MB"]);
    expect(result.spared).toEqual([]);
  });

  it("is pure: the same input gives the same plan and is not modified", () => {
    const processes = [init, proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV })];
    const snap = snapshot(processes);
    const before = structuredClone(snap);
    const first = plan(snap, ORPHAN_RULES, ROOT);
    expect(plan(snap, ORPHAN_RULES, ROOT)).toEqual(first);
    expect(snap).toEqual(before);
  });
});

describe("plan: pressure-aware rules (when)", () => {
  const rules = config(`
rules:
  - name: orphans-under-pressure
    when: { memory: critical }
    match: { cmdline: 'spawn_main', orphaned: true, older_than: 1h }
    action: kill
`);
  const orphan = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV, ageMs: 2 * 3_600_000 });

  it("is inactive below its level, and says why", () => {
    const result = plan(snapshot([init, orphan]), rules, ROOT, { memory: "warn" });
    expect(result.entries).toEqual([]);
    expect(result.inactive).toEqual([
      { rule: "orphans-under-pressure", reason: "memory is warn, rule needs critical" },
    ]);
  });

  it("applies at its level, with the level among the facts", () => {
    const result = plan(snapshot([init, orphan]), rules, ROOT, { memory: "critical" });
    expect(result.entries.map((e) => e.process.pid)).toEqual([100]);
    expect(result.entries[0]!.facts).toContain("memory at critical or worse");
    expect(result.inactive).toEqual([]);
  });
});

describe("plan: protect fails closed (review)", () => {
  it("an entry naming exe, parent or a user name the scan could not establish protects the process", () => {
    const rules = config(`
protect:
  - exe: '^/opt/db/'
  - parent: 'supervisor'
  - user: [alice]
rules:
  - name: orphans
    match: { cmdline: 'spawn_main', orphaned: true }
    action: kill
`);
    const unreadableExe = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV, exe: null });
    const result = plan(snapshot([init, unreadableExe]), rules, ROOT);
    expect(result.entries).toEqual([]);
    expect(result.spared[0]!.reasons[0]).toBe(
      "protected: protect[0] cannot be checked (exe unreadable)",
    );

    const readable = proc({
      pid: 101,
      ppid: 1,
      argv: SPAWN_ARGV,
      exe: "/usr/bin/python3",
      user: "12345",
      uid: 12345,
    });
    const named = plan(snapshot([init, readable]), rules, ROOT);
    expect(named.spared[0]!.reasons[0]).toBe(
      "protected: protect[2] cannot be checked (user 12345 has no name here)",
    );

    const known = proc({
      pid: 102,
      ppid: 1,
      argv: SPAWN_ARGV,
      exe: "/usr/bin/python3",
      user: "app",
    });
    expect(plan(snapshot([init, known]), rules, ROOT).entries.map((e) => e.process.pid)).toEqual([
      102,
    ]);
  });
});

describe("plan: a process spared by one rule and killed by another (review)", () => {
  it("is listed once, as killed", () => {
    const rules = config(`
rules:
  - name: day-old
    match: { cmdline: 'spawn_main', orphaned: true, older_than: 1d }
    action: kill
  - name: hour-old
    match: { cmdline: 'spawn_main', orphaned: true, older_than: 1h }
    action: kill
`);
    const orphan = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV, ageMs: 2 * 3_600_000 });
    const result = plan(snapshot([init, orphan]), rules, ROOT);
    expect(result.entries.map((e) => [e.rule, e.process.pid])).toEqual([["hour-old", 100]]);
    expect(result.spared).toEqual([]);
  });
});
