// unit_stopped and unit_main_tree through the whole plan, with the units' states as a plain map
// (what the run stage would get from systemctl): a leftover in a stopped unit is killed, the
// same argv in an active unit is spared with the unit named, and every unknown (systemd not
// asked, a failed call, a unit systemd does not know, a user manager's unit) fails closed.
// And status's "left in stopped units", which needs no rule.
import { describe, expect, it } from "vitest";
import type { UnitState, UnitStates } from "../../../../src/host/unit-states.js";
import { findLeftInStoppedUnits } from "../../../../src/rules/left-in-units.js";
import { plan } from "../../../../src/rules/plan.js";
import type { Actor } from "../../../../src/rules/plan-types.js";
import { config, proc, snapshot } from "../../../helpers/fixtures.js";

const ROOT: Actor = { uid: 0, mayKillAnyUser: true };
const init = proc({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0 });
const ARGV = ["/usr/bin/python3", "/srv/tok-3f9a/worker.py"];
const at = 500_000_000;

function state(unit: string, fields: Partial<UnitState> = {}): UnitState {
  return {
    unit,
    id: unit,
    loadState: "loaded",
    activeState: "active",
    subState: "running",
    type: "simple",
    mainPid: 0,
    execMainPid: 0,
    controlGroup: `/system.slice/${unit}`,
    stateChangeMonotonicUs: 100_000_000,
    timeoutStopUs: 90_000_000,
    ...fields,
  };
}

function statesOf(list: UnitState[], problem: string | null = null): UnitStates {
  return { states: new Map(list.map((s) => [s.unit, s])), problem, atMonotonicUs: at };
}

const inUnit = (pid: number, unit: string, fields = {}) =>
  proc({ pid, argv: ARGV, cgroup: `/system.slice/${unit}`, ...fields });

const RULES = `rules:
  - name: left-in-stopped
    match:
      cmdline: '^/usr/bin/python3 /srv/tok-3f9a/worker\\.py$'
      unit: 'tok-3f9a-*.service'
      unit_stopped: true
    action: kill
`;

describe("unit_stopped in the plan", () => {
  it("kills the leftover of a stopped unit and spares the same argv in an active one", () => {
    const left = inUnit(700, "tok-3f9a-old.service");
    const live = inUnit(800, "tok-3f9a-new.service");
    const units = statesOf([
      state("tok-3f9a-old.service", { activeState: "inactive", subState: "dead" }),
      state("tok-3f9a-new.service", { mainPid: 800 }),
    ]);
    const result = plan(snapshot([init, left, live]), config(RULES), ROOT, {}, units);
    expect(result.entries.map((e) => [e.process.pid, e.action])).toEqual([[700, "kill"]]);
    expect(result.entries[0]!.facts).toContain("unit tok-3f9a-old.service is inactive (dead)");
    expect(result.entries[0]!.process.unit).toEqual({
      name: "tok-3f9a-old.service",
      state: "inactive (dead)",
      stopped: true,
    });
    expect(result.spared).toEqual([
      expect.objectContaining({
        code: "unit-active",
        process: expect.objectContaining({ pid: 800 }),
        reasons: expect.arrayContaining(["unit tok-3f9a-new.service is active (running)"]),
      }),
    ]);
  });

  it("failed, an abandoned scope and deactivating past the stop timeout are stopped; within it is not", () => {
    const rules = RULES.replace("'tok-3f9a-*.service'", "'tok-3f9a-*'");
    const p = [
      inUnit(701, "tok-3f9a-a.service"),
      inUnit(702, "tok-3f9a-b.service"),
      inUnit(703, "tok-3f9a-c.service"),
      proc({ pid: 704, argv: ARGV, cgroup: "/user.slice/user-1000.slice/tok-3f9a-d.scope" }),
    ];
    const units = statesOf([
      state("tok-3f9a-a.service", { activeState: "failed", subState: "failed" }),
      // Deactivating for 400 s against a 90 s stop timeout.
      state("tok-3f9a-b.service", { activeState: "deactivating", subState: "stop-sigterm" }),
      state("tok-3f9a-c.service", {
        activeState: "deactivating",
        subState: "stop-sigterm",
        stateChangeMonotonicUs: at - 10_000_000,
      }),
      state("tok-3f9a-d.scope", {
        subState: "abandoned",
        type: "",
        controlGroup: "/user.slice/user-1000.slice/tok-3f9a-d.scope",
      }),
    ]);
    const result = plan(snapshot([init, ...p]), config(rules), ROOT, {}, units);
    expect(result.entries.map((e) => e.process.pid).sort()).toEqual([701, 702, 704]);
    const facts = Object.fromEntries(result.entries.map((e) => [e.process.pid, e.facts]));
    expect(facts[702]).toContain(
      "unit tok-3f9a-b.service is deactivating (stop-sigterm) for 7m, past its stop timeout of 90s",
    );
    expect(facts[704]).toContain("unit tok-3f9a-d.scope is active (abandoned): its session ended");
    expect(result.spared.map((s) => [s.process.pid, s.code])).toEqual([[703, "unit-active"]]);
  });

  it("fails closed on every unknown, and says why", () => {
    const p = [
      inUnit(710, "tok-3f9a-a.service"),
      inUnit(711, "tok-3f9a-gone.service"),
      proc({
        pid: 712,
        argv: ARGV,
        cgroup: "/user.slice/user-1000.slice/user@1000.service/app.slice/tok-3f9a-u.service",
      }),
      proc({ pid: 713, argv: ARGV, cgroup: null }),
      inUnit(714, "tok-3f9a-elsewhere.service"),
    ];
    const units = statesOf(
      [
        state("tok-3f9a-gone.service", { loadState: "not-found", activeState: "inactive" }),
        state("tok-3f9a-elsewhere.service", {
          activeState: "inactive",
          controlGroup: "/machine.slice/x/system.slice/tok-3f9a-elsewhere.service",
        }),
      ],
      "systemctl show told nothing of 1 of 3 units",
    );
    const rules = RULES.replace("      unit: 'tok-3f9a-*.service'\n", "");
    const result = plan(snapshot([init, ...p]), config(rules), ROOT, {}, units);
    expect(result.entries).toEqual([]);
    const why = Object.fromEntries(result.spared.map((s) => [s.process.pid, s]));
    for (const pid of [710, 711, 712, 713, 714]) expect(why[pid]?.code).toBe("unit-unknown");
    expect(why[710]!.reasons.join("; ")).toContain(
      "unit tok-3f9a-a.service: state unknown (systemctl show told nothing of 1 of 3 units)",
    );
    expect(why[711]!.reasons.join("; ")).toContain("systemd does not know it (not-found)");
    expect(why[712]!.reasons.join("; ")).toContain(
      "of user@1000.service: only the system manager's unit states are read",
    );
    expect(why[713]!.reasons.join("; ")).toContain("cgroup unreadable");
    expect(why[714]!.reasons.join("; ")).toContain(
      "systemd puts it at /machine.slice/x/system.slice/tok-3f9a-elsewhere.service",
    );
  });

  it("without the states (systemd not asked), nothing is killed", () => {
    const result = plan(snapshot([init, inUnit(720, "tok-3f9a-old.service")]), config(RULES), ROOT);
    expect(result.entries).toEqual([]);
    expect(result.spared[0]).toMatchObject({ code: "unit-unknown" });
    expect(result.spared[0]!.reasons.join("; ")).toContain("state not read (systemd not asked)");
  });

  it("protect by unit protects its processes, and those whose cgroup is unreadable", () => {
    const rules = `protect:
  - unit: 'tok-3f9a-*.service'
rules:
  - name: orphans
    match: { cmdline: '^/usr/bin/python3 /srv/tok-3f9a/worker\\.py$', orphaned: true }
    action: kill
`;
    const inside = inUnit(730, "tok-3f9a-old.service");
    const unreadable = proc({ pid: 731, argv: ARGV, cgroup: null });
    const outside = inUnit(732, "other.service");
    const result = plan(snapshot([init, inside, unreadable, outside]), config(rules), ROOT);
    expect(result.entries.map((e) => e.process.pid)).toEqual([732]);
    expect(result.spared.map((s) => [s.process.pid, s.code]).sort()).toEqual([
      [730, "protected"],
      [731, "protected"],
    ]);
  });
});

describe("unit_main_tree in the plan", () => {
  const RULE = `rules:
  - name: out-of-tree
    match:
      cmdline: '^/usr/bin/python3 /srv/tok-3f9a/worker\\.py$'
      unit: 'tok-3f9a-*'
      unit_main_tree: false
    action: kill
`;
  it("kills a process its service's main process no longer leads, spares the main tree", () => {
    const main = inUnit(740, "tok-3f9a-w.service", { ppid: 1 });
    const child = inUnit(741, "tok-3f9a-w.service", { ppid: 740 });
    const outside = inUnit(742, "tok-3f9a-w.service", { ppid: 1 });
    const units = statesOf([state("tok-3f9a-w.service", { mainPid: 740 })]);
    const result = plan(snapshot([init, main, child, outside]), config(RULE), ROOT, {}, units);
    expect(result.entries.map((e) => e.process.pid)).toEqual([742]);
    expect(result.entries[0]!.facts).toContain(
      "not in the main process tree of unit tok-3f9a-w.service (MainPID 740)",
    );
    expect(result.spared.map((s) => [s.process.pid, s.code]).sort()).toEqual([
      [740, "in-main-tree"],
      [741, "in-main-tree"],
    ]);
  });

  it("a scope has no main process: unknown, spared", () => {
    const p = proc({ pid: 750, argv: ARGV, cgroup: "/user.slice/tok-3f9a-s.scope" });
    const units = statesOf([
      state("tok-3f9a-s.scope", { type: "", controlGroup: "/user.slice/tok-3f9a-s.scope" }),
    ]);
    const result = plan(snapshot([init, p]), config(RULE), ROOT, {}, units);
    expect(result.entries).toEqual([]);
    expect(result.spared[0]!.reasons.join("; ")).toContain(
      "unit tok-3f9a-s.scope is a scope: it has no main process",
    );
  });
});

describe("findLeftInStoppedUnits (status, no rule)", () => {
  it("lists processes of stopped units, largest first, and counts what it cannot tell", () => {
    const MiB = 2 ** 20;
    const processes = [
      init,
      inUnit(760, "old.service", { rssBytes: 10 * MiB }),
      inUnit(761, "old.service", { rssBytes: 500 * MiB }),
      inUnit(762, "live.service"),
      inUnit(763, "unknown.service"),
      proc({
        pid: 764,
        cgroup: "/user.slice/user-1000.slice/user@1000.service/app.slice/a.service",
      }),
      proc({ pid: 765, cgroup: "/init.scope" }),
      proc({ pid: 766, cgroup: "/system.slice/old.service", kernelThread: true }),
      proc({ pid: 767, cgroup: null }),
      proc({ pid: 768, cgroup: "/" }),
    ];
    const units = statesOf([
      state("old.service", { activeState: "inactive", subState: "dead" }),
      state("live.service"),
      state("init.scope", { type: "", controlGroup: "/init.scope" }),
    ]);
    const found = findLeftInStoppedUnits(processes, units);
    expect(found.left.map((p) => p.pid)).toEqual([761, 760]);
    expect(found.unknown).toBe(1);
    expect(found.inUserUnits).toBe(1);
  });

  it("nothing is stopped when systemd could not be asked", () => {
    const found = findLeftInStoppedUnits([inUnit(770, "old.service")], {
      states: new Map(),
      problem: "systemctl not found (no systemd?)",
      atMonotonicUs: 0,
    });
    expect(found).toEqual({ left: [], unknown: 1, inUserUnits: 0 });
  });
});
