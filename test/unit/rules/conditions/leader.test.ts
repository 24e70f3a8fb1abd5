// group_leader and session_leader on plain data: what each standing means, the facts the plan
// prints, and the cases where the table cannot tell (fail closed).
import { describe, expect, it } from "vitest";
import { checkLeader } from "../../../../src/rules/conditions/leader-check.js";
import { leadership, type Unit } from "../../../../src/rules/conditions/leader.js";
import type { ConditionContext } from "../../../../src/rules/conditions/check.js";
import { tableGaps } from "../../../../src/rules/conditions/table-gaps.js";
import { findAdopters } from "../../../../src/rules/orphans.js";
import { plan } from "../../../../src/rules/plan.js";
import type { Actor } from "../../../../src/rules/plan-types.js";
import type { ProcessInfo } from "../../../../src/scan/types.js";
import { config, proc, snapshot } from "../../../helpers/fixtures.js";

const ROOT: Actor = { uid: 0, mayKillAnyUser: true };
const init = proc({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0 });
const ARGV = ["python3", "-m", "apps.mtproto.worker"];

function contextOf(processes: ProcessInfo[], unreadable = 0): ConditionContext {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const lookup = (pid: number) => byPid.get(pid);
  const adopters = findAdopters(processes, config("rules: []").settings, lookup);
  return { adopters, lookup, tableGaps: tableGaps(processes, unreadable) };
}

function judge(unit: Unit, p: ProcessInfo, table: ProcessInfo[], unreadable = 0) {
  return leadership(unit, p, contextOf([init, ...table, p], unreadable));
}

describe("leadership", () => {
  it("self: a service (systemd or setsid started it) leads its group and session", () => {
    const service = proc({ pid: 500, ppid: 1, pgid: 500, sid: 500 });
    expect(judge("group", service, [])).toMatchObject({
      standing: "self",
      fact: "leads its group",
    });
    expect(judge("session", service, [])).toMatchObject({
      standing: "self",
      fact: "leads its session",
    });
  });

  it("alive: a pool child whose parent lives, in its parent's group and session", () => {
    const parent = proc({ pid: 600, ppid: 1, pgid: 600, sid: 600, comm: "python3" });
    const child = proc({ pid: 601, ppid: 600, pgid: 600, sid: 600 });
    expect(judge("group", child, [parent])).toEqual({
      standing: "alive",
      leader: 600,
      leaderComm: "python3",
      fact: "group leader 600 alive (python3)",
    });
    expect(judge("session", child, [parent]).fact).toBe("session leader 600 alive (python3)");
  });

  it("gone: a pool child whose parent (its group's leader) was killed", () => {
    const child = proc({ pid: 601, ppid: 1, pgid: 600, sid: 600 });
    expect(judge("group", child, [])).toEqual({
      standing: "gone",
      leader: 600,
      leaderComm: null,
      fact: "not its group's leader; leader 600 gone",
    });
  });

  it("a double-forked daemon: its own group's member, in a session whose leader exited", () => {
    // fork; setsid (700 leads session and group 700); fork (701); 700 exits.
    const daemon = proc({ pid: 701, ppid: 1, pgid: 700, sid: 700 });
    expect(judge("session", daemon, []).standing).toBe("gone");
    expect(judge("group", daemon, []).standing).toBe("gone");
  });

  it("a zombie leader is gone; a zombie with live threads is a live process", () => {
    const child = proc({ pid: 601, ppid: 1, pgid: 600, sid: 600 });
    const zombie = proc({ pid: 600, ppid: 1, pgid: 600, sid: 600, state: "Z", threads: 1 });
    expect(judge("group", child, [zombie]).fact).toBe(
      "not its group's leader; leader 600 gone (python3 exited, a zombie)",
    );
    const threaded = { ...zombie, threads: 3 };
    expect(judge("group", child, [threaded])).toMatchObject({
      standing: "alive",
      fact: "group leader 600 alive (python3; its main thread exited, 2 more run)",
    });
    const { threads: _, ...uncounted } = zombie;
    expect(judge("group", child, [uncounted]).standing).toBe("unknown");
  });

  it("a group leader that moved to another group left its group without a leader", () => {
    const child = proc({ pid: 601, ppid: 600, pgid: 600, sid: 500 });
    const moved = proc({ pid: 600, ppid: 1, pgid: 590, sid: 500 });
    expect(judge("group", child, [moved])).toMatchObject({
      standing: "gone",
      fact: "not its group's leader; leader 600 (python3) left it for group 590",
    });
  });

  it("pgid or sid 0 (a kernel thread, a leader outside this pid namespace) is unknown", () => {
    const kthread = proc({ pid: 3, ppid: 2, pgid: 0, sid: 0, kernelThread: true });
    expect(judge("group", kthread, [])).toMatchObject({
      standing: "unknown",
      fact: "no group leader visible (pgid 0: a kernel thread, or its leader is outside this pid namespace)",
    });
    expect(judge("session", kthread, []).fact).toMatch(/^no session leader visible \(sid 0/);
  });

  it("a missing leader is unknown, not gone, when the table may be incomplete", () => {
    const child = proc({ pid: 601, ppid: 1, pgid: 600, sid: 600 });
    expect(judge("group", child, [], 2)).toMatchObject({
      standing: "unknown",
      fact: "not its group's leader; leader 600 not in the table, which may be incomplete: 2 /proc entries were unreadable (hidepid?)",
    });
    // hidepid=2: not even PID 1 is listed.
    const hidden = leadership("group", child, contextOf([child]));
    expect(hidden).toMatchObject({ standing: "unknown" });
    expect(hidden.fact).toMatch(/PID 1 is not visible \(hidepid\?\)$/);
  });
});

describe("checkLeader", () => {
  const child = proc({ pid: 601, ppid: 1, pgid: 600, sid: 600 });

  it("holds when the standing is one of the rule's, with the fact", () => {
    expect(
      checkLeader("group", "group-leader", ["alive", "gone"], child, contextOf([init, child])),
    ).toEqual({
      held: true,
      fact: "not its group's leader; leader 600 gone",
    });
  });

  it("fails with the code and both sides otherwise", () => {
    const service = proc({ pid: 500, ppid: 1 });
    expect(
      checkLeader("group", "group-leader", ["gone"], service, contextOf([init, service])),
    ).toEqual({
      held: false,
      code: "group-leader",
      detail: "leads its group (the rule wants gone)",
    });
  });

  it("unknown fails every standing", () => {
    const ctx = contextOf([init, child], 1);
    for (const wanted of [["self"], ["alive"], ["gone"], ["self", "alive", "gone"]] as const)
      expect(checkLeader("session", "session-leader", wanted, child, ctx).held).toBe(false);
  });
});

describe("plan with group_leader: the fork-pool rule of the README", () => {
  const RULES = config(`
rules:
  - name: fork-pool
    match:
      cmdline: 'apps\\.mtproto\\.worker'
      orphaned: true
      group_leader: gone
    action: kill
`);

  it("kills the pool's children and spares the service with the same argv, saying why", () => {
    const service = proc({ pid: 500, ppid: 1, argv: ARGV });
    const childA = proc({ pid: 601, ppid: 1, pgid: 600, sid: 600, argv: ARGV });
    const childB = proc({ pid: 602, ppid: 1, pgid: 600, sid: 600, argv: ARGV });
    const result = plan(snapshot([init, service, childA, childB]), RULES, ROOT);
    expect(result.entries.map((e) => e.process.pid)).toEqual([601, 602]);
    expect(result.entries[0]?.facts).toEqual([
      "cmdline matches /apps\\.mtproto\\.worker/",
      "orphaned (parent 1 systemd)",
      "not its group's leader; leader 600 gone",
    ]);
    expect(result.spared).toEqual([
      expect.objectContaining({
        process: expect.objectContaining({ pid: 500 }),
        code: "group-leader",
        reasons: ["leads its group (the rule wants gone)"],
      }),
    ]);
  });

  it("kills nothing when the table may be incomplete", () => {
    const child = proc({ pid: 601, ppid: 1, pgid: 600, sid: 600, argv: ARGV });
    const result = plan({ ...snapshot([init, child]), unreadable: 1 }, RULES, ROOT);
    expect(result.entries).toEqual([]);
    expect(result.spared[0]).toMatchObject({ code: "group-leader" });
    expect(result.spared[0]?.reasons[0]).toMatch(
      /may be incomplete: 1 \/proc entry was unreadable/,
    );
  });
});
