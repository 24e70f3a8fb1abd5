// The executor against a fixture /proc, a fake kill and a fake clock: nothing is signalled.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../../src/act/audit.js";
import { executeKills } from "../../../src/act/execute.js";
import type { SignalName } from "../../../src/config/types.js";
import type { PlanEntry } from "../../../src/rules/plan-types.js";
import { ProcFixture } from "../../helpers/fixtures.js";

type Behaviour =
  "dies-on-term" | "ignores-term" | "zombie-on-term" | "stuck-in-d" | "eperm" | "esrch";

let fixture: ProcFixture;
afterEach(() => fixture?.cleanup());

function scene(behaviours: Record<number, Behaviour>) {
  fixture = new ProcFixture();
  for (const pid of Object.keys(behaviours).map(Number))
    fixture.add({ pid, ppid: 1, startTicks: pid * 10, argv: [`p${pid}`], exe: `/usr/bin/p${pid}` });
  const calls: [number, SignalName][] = [];
  const audit: AuditRecord[] = [];
  let clock = 0;
  const kill = (pid: number, signal: SignalName): void => {
    calls.push([pid, signal]);
    const b = behaviours[pid];
    if (b === "eperm") throw Object.assign(new Error("kill EPERM"), { code: "EPERM" });
    if (b === "esrch") throw Object.assign(new Error("kill ESRCH"), { code: "ESRCH" });
    if (signal === "SIGKILL" && b !== "stuck-in-d") fixture.remove(pid);
    else if (b === "dies-on-term") fixture.remove(pid);
    else if (b === "zombie-on-term")
      fixture.setStat({ pid, ppid: 1, startTicks: pid * 10, state: "Z" });
    else if (b === "stuck-in-d" && signal === "SIGKILL")
      fixture.setStat({ pid, ppid: 1, startTicks: pid * 10, state: "D" });
  };
  const deps = {
    procRoot: fixture.root,
    kill,
    now: () => clock,
    wallClock: () => Date.UTC(2026, 10, 23) + clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
    audit: (r: AuditRecord) => audit.push(r),
    confirmMs: 2000,
    pollMs: 50,
  };
  return { deps, calls, audit, elapsed: () => clock };
}

function target(
  pid: number,
  graceMs = 1000,
  signal: SignalName = "SIGTERM",
  startTicks = pid * 10,
): PlanEntry {
  return {
    action: "kill",
    rule: "r",
    severity: "warning",
    process: {
      pid,
      startTicks,
      ppid: 1,
      comm: "x",
      argv: [`p${pid}`],
      user: "app",
      state: "S",
      ageMs: 1,
      rssBytes: 1,
    },
    facts: [],
    kill: { signal, graceMs },
  };
}

const outcomes = (results: { pid: number; outcome: string }[]) =>
  Object.fromEntries(results.map((r) => [r.pid, r.outcome]));

describe("executeKills", () => {
  it("signals all first, waits for all together, SIGKILLs only survivors of the grace", async () => {
    const s = scene({ 10: "dies-on-term", 11: "ignores-term", 12: "ignores-term" });
    const results = await executeKills([target(10), target(11), target(12)], s.deps);
    expect(outcomes(results)).toEqual({ 10: "terminated", 11: "killed", 12: "killed" });
    expect(s.calls).toEqual([
      [10, "SIGTERM"],
      [11, "SIGTERM"],
      [12, "SIGTERM"],
      [12, "SIGKILL"],
      [11, "SIGKILL"],
    ]);
    // One grace for all (1 s), not one after another (2 s).
    expect(s.elapsed()).toBeGreaterThanOrEqual(1000);
    expect(s.elapsed()).toBeLessThan(1200);
    expect(results.find((r) => r.pid === 11)!.signals).toEqual(["SIGTERM", "SIGKILL"]);
  });

  it("counts a zombie as dead", async () => {
    const s = scene({ 10: "zombie-on-term" });
    expect(outcomes(await executeKills([target(10)], s.deps))).toEqual({ 10: "terminated" });
  });

  it("reports a process still in D state after SIGKILL as stuck", async () => {
    const s = scene({ 10: "stuck-in-d" });
    const [result] = await executeKills([target(10)], s.deps);
    expect(result).toMatchObject({ outcome: "stuck", signals: ["SIGTERM", "SIGKILL"] });
    expect(s.elapsed()).toBeGreaterThanOrEqual(3000); // grace + confirm
  });

  it("skips a pid reused before the first signal, and sends nothing to it", async () => {
    const s = scene({ 10: "dies-on-term" });
    const [result] = await executeKills([target(10, 1000, "SIGTERM", 99)], s.deps);
    expect(result).toMatchObject({ outcome: "reused" });
    expect(result!.detail).toContain("now has start time 100, not 99");
    expect(s.calls).toEqual([]);
    expect(s.audit).toMatchObject([{ pid: 10, outcome: "reused", signal: "SIGTERM" }]);
  });

  it("re-reads the start time before SIGKILL: a pid reused during the grace is not killed", async () => {
    const s = scene({ 10: "ignores-term" });
    const kill = s.deps.kill;
    s.deps.kill = (pid, signal) => {
      kill(pid, signal);
      // The original dies and the pid is given to a new process during the grace.
      fixture.setStat({ pid, ppid: 1, startTicks: 12345 });
    };
    const [result] = await executeKills([target(10)], s.deps);
    expect(s.calls).toEqual([[10, "SIGTERM"]]);
    expect(result!.outcome).toBe("terminated");
  });

  it("refuses pid <= 1 without calling kill", async () => {
    const s = scene({});
    const results = await executeKills([target(1), target(0), target(-1)], s.deps);
    expect(results.map((r) => r.outcome)).toEqual(["refused", "refused", "refused"]);
    expect(s.calls).toEqual([]);
  });

  it("reports EPERM, treats ESRCH as gone, and goes on with the others", async () => {
    const s = scene({ 10: "eperm", 11: "esrch", 12: "dies-on-term" });
    const results = await executeKills([target(10), target(11), target(12)], s.deps);
    expect(outcomes(results)).toEqual({ 10: "not-permitted", 11: "gone", 12: "terminated" });
  });

  it("a SIGKILL-first rule needs no escalation", async () => {
    const s = scene({ 10: "ignores-term" });
    const [result] = await executeKills([target(10, 1000, "SIGKILL")], s.deps);
    expect(result).toMatchObject({ outcome: "killed", signals: ["SIGKILL"] });
    expect(s.calls).toEqual([[10, "SIGKILL"]]);
  });

  it("audits every signal with time, identity, argv, rule and outcome", async () => {
    const s = scene({ 10: "ignores-term" });
    await executeKills([target(10)], s.deps);
    expect(s.audit).toEqual([
      {
        time: "2026-11-23T00:00:00.000Z",
        pid: 10,
        startTicks: 100,
        argv: ["p10"],
        // Not read by the plan: read right before the first signal, and required before SIGKILL.
        exe: "/usr/bin/p10",
        rule: "r",
        signal: "SIGTERM",
        outcome: "sent",
      },
      {
        time: expect.stringMatching(/^2026-11-23T00:00:01/),
        pid: 10,
        startTicks: 100,
        argv: ["p10"],
        exe: "/usr/bin/p10",
        rule: "r",
        signal: "SIGKILL",
        outcome: "sent",
      },
    ]);
  });
});

describe("executeKills when stat cannot be read", () => {
  it("never signals a pid whose identity it cannot check, first signal or SIGKILL", async () => {
    const s = scene({ 10: "ignores-term", 11: "ignores-term" });
    // 10: unreadable from the start (a directory where the file should be: EISDIR).
    fixture.remove(10);
    mkdirSync(join(fixture.root, "10", "stat"), { recursive: true });
    // 11: readable for the first signal, unreadable by the time SIGKILL would be due.
    const kill = s.deps.kill;
    s.deps.kill = (pid, signal) => {
      kill(pid, signal);
      if (pid === 11) {
        fixture.remove(11);
        mkdirSync(join(fixture.root, "11", "stat"), { recursive: true });
      }
    };
    const results = await executeKills([target(10), target(11)], s.deps);
    expect(outcomes(results)).toEqual({ 10: "unverified", 11: "unverified" });
    expect(s.calls).toEqual([[11, "SIGTERM"]]);
    expect(s.audit.map((a) => [a.pid, a.signal, a.outcome])).toEqual([
      [10, "SIGTERM", "unverified"],
      [11, "SIGTERM", "sent"],
    ]);
  });
});

describe("executeKills: the same program before every signal", () => {
  it("a process that exec's another program during the grace is not sent SIGKILL: changed", async () => {
    const s = scene({ 10: "ignores-term", 11: "ignores-term" });
    const kill = s.deps.kill;
    s.deps.kill = (pid, signal) => {
      kill(pid, signal);
      // On SIGTERM, 10 exec's sleep (same pid and start time); 11 just ignores it.
      if (pid === 10 && signal === "SIGTERM") {
        fixture.setArgv(10, ["sleep", "300"]);
        fixture.setExe(10, "/usr/bin/sleep");
      }
    };
    const results = await executeKills([target(10), target(11)], s.deps);
    expect(outcomes(results)).toEqual({ 10: "changed", 11: "killed" });
    expect(s.calls).toEqual([
      [10, "SIGTERM"],
      [11, "SIGTERM"],
      [11, "SIGKILL"],
    ]);
    const changed = results.find((r) => r.pid === 10)!;
    expect(changed.signals).toEqual(["SIGTERM"]);
    expect(changed.detail).toBe(
      `pid 10 runs /usr/bin/sleep, not /usr/bin/p10 (now "sleep 300"): it exec'd since the plan, not signalled`,
    );
    expect(s.audit.filter((a) => a.pid === 10)).toMatchObject([
      { signal: "SIGTERM", outcome: "sent", argv: ["p10"], exe: "/usr/bin/p10" },
      {
        signal: "SIGKILL",
        outcome: "changed",
        argv: ["p10"],
        exe: "/usr/bin/p10",
        nowArgv: ["sleep", "300"],
        nowExe: "/usr/bin/sleep",
      },
    ]);
  });

  it("a command line other than the plan's before the first signal: nothing sent", async () => {
    const s = scene({ 10: "dies-on-term" });
    fixture.setArgv(10, ["p10", "--now-something-else"]);
    const [result] = await executeKills([target(10)], s.deps);
    expect(result).toMatchObject({ outcome: "changed", signals: [] });
    expect(result!.detail).toContain("has another command line");
    expect(s.calls).toEqual([]);
    expect(s.audit).toMatchObject([
      { outcome: "changed", argv: ["p10"], nowArgv: ["p10", "--now-something-else"] },
    ]);
  });

  it("an executable other than the one the plan read: nothing sent", async () => {
    const s = scene({ 10: "dies-on-term" });
    const planned = target(10);
    planned.process.exe = "/usr/bin/python3.11";
    const [result] = await executeKills([planned], s.deps);
    expect(result).toMatchObject({ outcome: "changed" });
    expect(result!.detail).toContain("runs /usr/bin/p10, not /usr/bin/python3.11");
    expect(s.calls).toEqual([]);
  });

  it("the same binary replaced on disk (exe ends in ' (deleted)') is the same program", async () => {
    const s = scene({ 10: "ignores-term" });
    const kill = s.deps.kill;
    s.deps.kill = (pid, signal) => {
      kill(pid, signal);
      if (signal === "SIGTERM") fixture.setExe(10, "/usr/bin/p10 (deleted)");
    };
    const [result] = await executeKills([target(10)], s.deps);
    expect(result).toMatchObject({ outcome: "killed", signals: ["SIGTERM", "SIGKILL"] });
  });

  it("a zombie (empty cmdline, no exe) is gone, not changed", async () => {
    const s = scene({ 10: "ignores-term" });
    fixture.setStat({ pid: 10, ppid: 1, startTicks: 100, state: "Z" });
    fixture.setArgv(10, []);
    rmSync(join(fixture.root, "10", "exe"));
    const [result] = await executeKills([target(10)], s.deps);
    expect(result).toMatchObject({ outcome: "gone" });
    expect(s.calls).toEqual([]);
  });

  it("an unreadable cmdline or exe right before a signal: unverified, never signalled blind", async () => {
    const s = scene({ 10: "ignores-term", 11: "ignores-term", 12: "ignores-term" });
    // 10: cmdline a directory (EISDIR) from the start.
    rmSync(join(fixture.root, "10", "cmdline"));
    mkdirSync(join(fixture.root, "10", "cmdline"));
    // 11: exe a regular file (readlink: EINVAL) from the start.
    rmSync(join(fixture.root, "11", "exe"));
    writeFileSync(join(fixture.root, "11", "exe"), "");
    // 12: its exe link gone (stat still there) by the time SIGKILL is due.
    const kill = s.deps.kill;
    s.deps.kill = (pid, signal) => {
      kill(pid, signal);
      if (pid === 12) rmSync(join(fixture.root, "12", "exe"));
    };
    const results = await executeKills([target(10), target(11), target(12)], s.deps);
    expect(outcomes(results)).toEqual({ 10: "unverified", 11: "unverified", 12: "unverified" });
    expect(s.calls).toEqual([[12, "SIGTERM"]]);
    expect(results.find((r) => r.pid === 10)!.detail).toMatch(/^identity unreadable \(EISDIR/);
  });
});
