// The per-rule, per-field, per-condition verdicts of `cleanup explain`, on plain data. Each case
// checks the outcome the plan gives and the fact that decided it.
import { describe, expect, it } from "vitest";
import {
  explainProcesses,
  type Explanation,
  type RuleVerdict,
} from "../../../src/rules/explain.js";
import { renderExplain } from "../../../src/report/explain.js";
import type { Actor } from "../../../src/rules/plan-types.js";
import type { ProcessInfo } from "../../../src/scan/types.js";
import { DAY, SPAWN_ARGV, config, proc, snapshot } from "../../helpers/fixtures.js";

const ROOT: Actor = { uid: 0, mayKillAnyUser: true };
const init = proc({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, user: "root" });

const RULES = config(`
protect:
  - cmdline: 'keep-me'
  - comm: [sshd]
rules:
  - name: orphans
    match:
      cmdline: ' -c from multiprocessing\\.spawn import '
      orphaned: true
      older_than: 1d
    action: kill
  - name: huge
    match:
      rss_over: 1GB
    action: alert
`);

function explainOne(processes: ProcessInfo[], pid: number, rules = RULES): Explanation {
  const { explanations } = explainProcesses(snapshot(processes), rules, ROOT, {}, [pid]);
  const e = explanations[0];
  if (!e) throw new Error(`no explanation for ${pid}`);
  return e;
}

function rule(e: Explanation, name: string): RuleVerdict {
  const v = e.rules.find((r) => r.rule === name);
  if (!v) throw new Error(`no verdict for ${name}`);
  return v;
}

describe("explain: rule verdicts", () => {
  it("matched: would kill, with every field and condition that held", () => {
    const worker = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV, ageMs: 2 * DAY });
    const v = rule(explainOne([init, worker], 100), "orphans");
    expect(v).toMatchObject({
      outcome: "acts",
      action: "kill",
      reasons: [
        "cmdline matches / -c from multiprocessing\\.spawn import /",
        "orphaned (parent 1 systemd)",
        "age 2d ≥ 1d",
      ],
    });
    expect(v.selector).toEqual([
      {
        field: "cmdline",
        matched: true,
        detail: "cmdline matches / -c from multiprocessing\\.spawn import /",
      },
    ]);
    expect(v.conditions).toEqual([
      { condition: "orphaned", held: true, detail: "orphaned (parent 1 systemd)" },
      { condition: "older_than", held: true, detail: "age 2d ≥ 1d" },
    ]);
  });

  it("not matched by the pattern: names the field and the pattern", () => {
    const other = proc({ pid: 100, ppid: 1, argv: ["python3", "app.py"] });
    const e = explainOne([init, other], 100);
    expect(rule(e, "orphans")).toMatchObject({
      outcome: "not-matched",
      reasons: ["cmdline does not match / -c from multiprocessing\\.spawn import /"],
      selector: [{ field: "cmdline", matched: false }],
    });
    // A conditions-only rule that the process fails does not select it: not matched, not spared.
    expect(rule(e, "huge")).toMatchObject({
      outcome: "not-matched",
      reasons: ["rss 100MiB ≤ 1GB"],
      conditions: [{ condition: "rss_over", held: false }],
    });
  });

  it("spared because the parent is alive: the parent named", () => {
    const parent = proc({ pid: 50, ppid: 1, argv: ["python3", "pool.py"] });
    const worker = proc({ pid: 100, ppid: 50, argv: SPAWN_ARGV });
    const e = explainOne([init, parent, worker], 100);
    expect(rule(e, "orphans")).toMatchObject({
      outcome: "spared",
      code: "parent-alive",
      reasons: ["parent alive (parent 50 python3)"],
    });
    expect(rule(e, "orphans").conditions[0]).toEqual({
      condition: "orphaned",
      held: false,
      detail: "parent alive (parent 50 python3)",
    });
    expect(e.parent).toEqual({
      pid: 50,
      comm: "python3",
      orphaned: false,
      fact: "parent alive (parent 50 python3)",
    });
  });

  it("spared because too young: its age against older_than, every other condition still shown", () => {
    const young = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV, ageMs: 5 * 60_000 });
    const v = rule(explainOne([init, young], 100), "orphans");
    expect(v).toMatchObject({
      outcome: "spared",
      code: "too-young",
      reasons: ["too young (age 5m < 1d)"],
    });
    expect(v.conditions.map((c) => [c.condition, c.held])).toEqual([
      ["orphaned", true],
      ["older_than", false],
    ]);
  });

  it("not orphaned because the parent's reaper name is not backed by evidence", () => {
    const impostor = proc({ pid: 40, ppid: 1, comm: "systemd", argv: ["python3", "fake.py"] });
    const worker = proc({ pid: 100, ppid: 40, argv: SPAWN_ARGV });
    const v = rule(explainOne([init, impostor, worker], 100), "orphans");
    expect(v).toMatchObject({
      outcome: "spared",
      code: "parent-alive",
      reasons: ["parent alive (parent 40 systemd: not a reaper — nothing read but its name)"],
    });
  });

  it("protected: the entry that protects it, and every entry's verdict", () => {
    const kept = proc({ pid: 100, ppid: 1, argv: [...SPAWN_ARGV, "keep-me"] });
    const e = explainOne([init, kept], 100);
    expect(rule(e, "orphans")).toMatchObject({
      outcome: "spared",
      code: "protected",
      reasons: ["protected: listed in protect[0]"],
    });
    expect(e.protection).toEqual({
      reason: "listed in protect[0]",
      builtIn: null,
      entries: [
        { index: 0, outcome: "matches", detail: "cmdline matches /keep-me/" },
        { index: 1, outcome: "no-match", detail: "comm python3 is not sshd" },
      ],
    });
  });

  it("built-in protection: PID 1 is never evaluated as a target", () => {
    const e = explainOne([init], 1);
    expect(e.protection.builtIn).toBe("PID 1");
    expect(e.protection.reason).toBe("PID 1");
  });

  it("over budget: spared with the budget's message", () => {
    const rules = config(`
rules:
  - name: orphans
    match:
      cmdline: ' -c from multiprocessing\\.spawn import '
      orphaned: true
    action: kill
    max_kills: 1
`);
    const a = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV });
    const b = proc({ pid: 101, ppid: 1, argv: SPAWN_ARGV });
    const v = rule(explainOne([init, a, b], 100, rules), "orphans");
    expect(v).toMatchObject({ outcome: "spared", code: "over-budget" });
    expect(v.reasons[0]).toContain("over its budget of 1 (max_kills)");
  });

  it("an earlier rule already kills it: the later one says so", () => {
    const rules = config(`
rules:
  - name: first
    match: { cmdline: 'spawn_main', orphaned: true }
    action: kill
  - name: second
    match: { cmdline: 'multiprocessing', orphaned: true }
    action: kill
`);
    const worker = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV });
    const e = explainOne([init, worker], 100, rules);
    expect(rule(e, "first").outcome).toBe("acts");
    expect(rule(e, "second")).toMatchObject({
      outcome: "taken",
      reasons: ["rule first kills it"],
    });
  });

  it("spared by one rule and killed by a later one: both said", () => {
    const rules = config(`
rules:
  - name: orphans-only
    match: { cmdline: 'spawn_main', orphaned: true }
    action: kill
  - name: any-spawn
    match: { cmdline: 'spawn_main' }
    action: kill
`);
    const parent = proc({ pid: 50, ppid: 1, argv: ["python3", "pool.py"] });
    const worker = proc({ pid: 100, ppid: 50, argv: SPAWN_ARGV });
    const e = explainOne([init, parent, worker], 100, rules);
    expect(rule(e, "orphans-only")).toMatchObject({
      outcome: "spared",
      code: "parent-alive",
      reasons: ["parent alive (parent 50 python3)", "rule any-spawn kills it"],
    });
    expect(rule(e, "any-spawn").outcome).toBe("acts");
  });

  it("a tree descendant is killed with its ancestor, whatever its own match", () => {
    const rules = config(`
rules:
  - name: trees
    match: { cmdline: 'spawn_main', orphaned: true }
    action: kill
    tree: true
`);
    const root = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV });
    const child = proc({ pid: 101, ppid: 100, argv: ["sleep", "60"], comm: "sleep" });
    const v = rule(explainOne([init, root, child], 101, rules), "trees");
    expect(v).toMatchObject({
      outcome: "acts",
      treeOf: 100,
      reasons: ["descendant of 100 (tree)"],
      selector: [{ field: "cmdline", matched: false }],
    });
  });

  it("a rule whose `when` does not hold is inactive, with the level it needs", () => {
    const rules = config(`
rules:
  - name: pressure
    match: { cmdline: 'spawn_main' }
    when: { memory: critical }
    action: kill
`);
    const worker = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV });
    const { explanations } = explainProcesses(
      snapshot([init, worker]),
      rules,
      ROOT,
      { memory: "ok" },
      [100],
    );
    expect(explanations[0]!.rules[0]).toMatchObject({
      outcome: "inactive",
      reasons: ["memory is ok, rule needs critical"],
    });
  });

  it("the other selector fields: comm, exe unreadable, parent and listening port", () => {
    const rules = config(`
rules:
  - name: fields
    match:
      comm: [node]
      exe: '^/usr/bin/node$'
      parent: 'supervisor'
      listening_port: 8080
    action: report
`);
    const parent = proc({ pid: 50, ppid: 1, argv: ["python3", "pool.py"] });
    const p = proc({
      pid: 100,
      ppid: 50,
      listening: [{ proto: "tcp", address: "127.0.0.1", port: 9091, inode: 7 }],
    });
    const v = rule(explainOne([init, parent, p], 100, rules), "fields");
    expect(v.outcome).toBe("not-matched");
    expect(v.reasons).toEqual(["comm python3 is not node"]);
    expect(v.selector).toEqual([
      { field: "comm", matched: false, detail: "comm python3 is not node" },
      { field: "exe", matched: false, detail: "exe unreadable" },
      { field: "parent", matched: false, detail: "parent 50 python3 does not match /supervisor/" },
      { field: "listeningPort", matched: false, detail: "listens on tcp 9091, not 8080" },
    ]);
  });

  it("no such process: null, the others explained in order", () => {
    const worker = proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV });
    const { explanations } = explainProcesses(
      snapshot([init, worker]),
      RULES,
      ROOT,
      {},
      [4242, 100],
    );
    expect(explanations[0]).toBeNull();
    expect(explanations[1]!.pid).toBe(100);
  });

  it("a process not read in detail is evaluated by no rule, and protected for it", () => {
    const bare = proc({ pid: 100, ppid: 1, argv: null, uid: null });
    const e = explainOne([init, bare], 100);
    expect(e.unevaluated).toMatch(/^not read in detail/);
    expect(rule(e, "orphans").outcome).toBe("not-matched");
    expect(e.protection.builtIn).toBe("not read in detail (cannot check protect)");
  });
});

describe("explain: group and session leaders", () => {
  const POOL = config(`
rules:
  - name: fork-pool
    match: { cmdline: 'apps\\.mtproto\\.worker', orphaned: true, group_leader: gone }
    action: kill
`);
  const argv = ["python3", "-m", "apps.mtproto.worker"];
  const service = proc({ pid: 500, ppid: 1, argv });
  const child = proc({ pid: 601, ppid: 1, pgid: 600, sid: 600, argv });

  it("lists who leads the group and the session, and the condition's verdict", () => {
    const e = explainOne([init, service, child], 601, POOL);
    expect(e.group).toEqual({
      standing: "gone",
      leader: 600,
      leaderComm: null,
      fact: "not its group's leader; leader 600 gone",
    });
    expect(e.session.fact).toBe("not its session's leader; leader 600 gone");
    expect(rule(e, "fork-pool")).toMatchObject({
      outcome: "acts",
      conditions: [
        { condition: "orphaned", held: true, detail: "orphaned (parent 1 systemd)" },
        {
          condition: "group_leader",
          held: true,
          detail: "not its group's leader; leader 600 gone",
        },
      ],
    });
  });

  it("a service with the same argv: spared, it leads its group", () => {
    const e = explainOne([init, service, child], 500, POOL);
    expect(e.group).toMatchObject({ standing: "self", leader: 500, fact: "leads its group" });
    expect(rule(e, "fork-pool")).toMatchObject({
      outcome: "spared",
      code: "group-leader",
      reasons: ["leads its group (the rule wants gone)"],
    });
    const text = renderExplain({
      outcome: "explained",
      configFile: "rules.yaml",
      actor: ROOT,
      scannedAt: "2026-11-23T00:00:00.000Z",
      levels: null,
      processes: [{ ...e, found: true, services: [] }],
    });
    expect(text).toContain("\n  group 500: leads its group\n  session 500: leads its session\n");
    expect(text).toContain("      ✗ group_leader: leads its group (the rule wants gone)");
  });
});
