// The run's deadline object, the executor and delivery at the deadline: a fixture /proc, a fake kill and
// a fake clock (the deadline is built from the same one), so nothing is signalled for real.
import { afterEach, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../../src/act/audit.js";
import { deliverAll } from "../../../src/alerts/deliver.js";
import { emptyOutbox, type Outbox } from "../../../src/alerts/outbox.js";
import type { Digest, Notification, Sink } from "../../../src/alerts/types.js";
import { executeKills } from "../../../src/act/execute.js";
import type { SignalName } from "../../../src/config/types.js";
import { NO_DEADLINE, startDeadline } from "../../../src/shared/deadline.js";
import type { PlanEntry } from "../../../src/rules/plan-types.js";
import { ProcFixture } from "../../helpers/fixtures.js";

describe("startDeadline", () => {
  it("passes at start + limit, counts down to 0 and never below, and bounds waits", () => {
    let clock = 1_000;
    const deadline = startDeadline(5_000, () => clock);
    expect(deadline.limitMs).toBe(5_000);
    expect(deadline.passed()).toBe(false);
    expect(deadline.remainingMs()).toBe(5_000);
    expect(deadline.bound(250)).toBe(250);
    expect(deadline.bound(10_000)).toBe(5_000);
    clock = 5_999;
    expect(deadline.passed()).toBe(false);
    expect(deadline.remainingMs()).toBe(1);
    expect(deadline.bound(2_000)).toBe(1);
    clock = 6_000;
    expect(deadline.passed()).toBe(true);
    expect(deadline.remainingMs()).toBe(0);
    expect(deadline.bound(2_000)).toBe(0);
    clock = 60_000;
    expect(deadline.remainingMs()).toBe(0);
  });

  it("counts from the given start, not from when it is built", () => {
    const deadline = startDeadline(3_000, () => 2_500, 0);
    expect(deadline.remainingMs()).toBe(500);
  });

  it("NO_DEADLINE never passes and bounds nothing", () => {
    expect(NO_DEADLINE.passed()).toBe(false);
    expect(NO_DEADLINE.bound(123)).toBe(123);
  });
});

let fixture: ProcFixture;
afterEach(() => fixture?.cleanup());

/** Every target ignores SIGTERM and dies on SIGKILL; `dies` ones die on SIGTERM. */
function scene(pids: number[], dies: number[] = []) {
  fixture = new ProcFixture();
  for (const pid of pids)
    fixture.add({ pid, ppid: 1, startTicks: pid * 10, argv: [`p${pid}`], exe: `/usr/bin/p${pid}` });
  const calls: [number, SignalName][] = [];
  const audit: AuditRecord[] = [];
  let clock = 0;
  const deps = {
    procRoot: fixture.root,
    kill: (pid: number, signal: SignalName): void => {
      calls.push([pid, signal]);
      if (signal === "SIGKILL" || dies.includes(pid)) fixture.remove(pid);
    },
    now: () => clock,
    wallClock: () => Date.UTC(2026, 11, 2) + clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
    audit: (r: AuditRecord) => audit.push(r),
    confirmMs: 2_000,
    pollMs: 50,
  };
  return {
    deps,
    calls,
    audit,
    elapsed: () => clock,
    advance: (ms: number) => (clock += ms),
    deadline: (limitMs: number) => startDeadline(limitMs, () => clock),
  };
}

function target(pid: number, graceMs: number): PlanEntry {
  return {
    action: "kill",
    rule: "r",
    severity: "warning",
    process: {
      pid,
      startTicks: pid * 10,
      ppid: 1,
      comm: "x",
      argv: [`p${pid}`],
      user: "app",
      state: "S",
      ageMs: 1,
      rssBytes: 1,
    },
    facts: [],
    kill: { signal: "SIGTERM", graceMs },
  };
}

describe("executeKills at the run's deadline", () => {
  it("a grace that outlasts the deadline: SIGTERM only, no SIGKILL, outcome deadline, audited", async () => {
    const s = scene([100]);
    const results = await executeKills([target(100, 600_000)], {
      ...s.deps,
      deadline: s.deadline(3_000),
    });
    expect(s.calls).toEqual([[100, "SIGTERM"]]);
    expect(results).toMatchObject([{ pid: 100, outcome: "deadline", signals: ["SIGTERM"] }]);
    expect(results[0]!.detail).toContain("no SIGKILL sent");
    // It stopped waiting at the deadline, not at the grace's end.
    expect(s.elapsed()).toBeGreaterThanOrEqual(3_000);
    expect(s.elapsed()).toBeLessThan(3_100);
    expect(s.audit.map((r) => [r.signal, r.outcome])).toEqual([
      ["SIGTERM", "sent"],
      ["SIGKILL", "deadline"],
    ]);
  });

  it("a grace within the deadline escalates as usual; one that dies on SIGTERM is terminated", async () => {
    const s = scene([100, 200], [200]);
    const results = await executeKills([target(100, 1_000), target(200, 1_000)], {
      ...s.deps,
      deadline: s.deadline(60_000),
    });
    expect(Object.fromEntries(results.map((r) => [r.pid, r.outcome]))).toEqual({
      100: "killed",
      200: "terminated",
    });
    expect(s.calls).toContainEqual([100, "SIGKILL"]);
  });

  it("past the deadline before the first signal: nobody is signalled", async () => {
    const s = scene([100, 200]);
    const deadline = s.deadline(3_000);
    s.advance(3_000);
    const results = await executeKills([target(100, 1_000), target(200, 1_000)], {
      ...s.deps,
      deadline,
    });
    expect(s.calls).toEqual([]);
    expect(results).toMatchObject([
      { pid: 100, outcome: "deadline", signals: [] },
      { pid: 200, outcome: "deadline", signals: [] },
    ]);
    expect(s.audit.map((r) => r.outcome)).toEqual(["deadline", "deadline"]);
  });

  it("the wait loop never sleeps past the deadline", async () => {
    const s = scene([100]);
    const sleeps: number[] = [];
    await executeKills([target(100, 600_000)], {
      ...s.deps,
      sleep: async (ms) => {
        sleeps.push(ms);
        s.advance(ms);
      },
      pollMs: 700,
      deadline: s.deadline(1_000),
    });
    // 700, then only the 300 left.
    expect(sleeps).toEqual([700, 300]);
  });
});

describe("deliverAll at the run's deadline", () => {
  const notification: Notification = {
    id: "n1",
    key: "rule:r",
    status: "event",
    reminder: false,
    severity: "warning",
    summary: "killed 1",
    details: [],
    labels: {},
    host: "h",
    startsAt: "2026-12-02T00:00:00.000Z",
    createdAt: "2026-12-02T00:00:00.000Z",
  };
  const outbox = (): Outbox => ({
    ...emptyOutbox(),
    pending: { hook: [notification] },
  });
  const sink = (sent: Digest[], waitMs = 0): Sink => ({
    name: "hook",
    type: "webhook",
    send: async (digest, signal) => {
      if (waitMs > 0)
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, waitMs);
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(new Error("aborted"));
          });
        });
      sent.push(digest);
    },
  });

  it("past the deadline: nothing is sent and the queue stays in the outbox", async () => {
    const sent: Digest[] = [];
    const passed = startDeadline(1_000, () => 5_000, 0);
    const { deliveries, outbox: next } = await deliverAll(
      [{ sink: sink(sent), deadlineMs: 10_000 }],
      outbox(),
      [],
      { host: "h", runAt: "now", deadline: passed },
    );
    expect(sent).toEqual([]);
    expect(deliveries).toMatchObject([{ sink: "hook", status: "failed", notifications: 1 }]);
    expect(deliveries[0]!.error).toContain("deadline");
    expect(next.pending.hook).toEqual([notification]);
  });

  it("a sink's wait is cut to what is left of the run", async () => {
    const sent: Digest[] = [];
    // 200 ms left of the run (real clock), a sink that would take 30 s and a 60 s sink timeout.
    const deadline = startDeadline(200, () => performance.now());
    const started = performance.now();
    const { deliveries, outbox: next } = await deliverAll(
      [{ sink: sink(sent, 30_000), deadlineMs: 60_000 }],
      outbox(),
      [],
      { host: "h", runAt: "now", deadline },
    );
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(deliveries).toMatchObject([{ status: "failed" }]);
    expect(deliveries[0]!.error).toContain("no answer within");
    expect(next.pending.hook).toEqual([notification]);
    // Within the deadline a digest carries no trace of it.
    const ok: Digest[] = [];
    await deliverAll([{ sink: sink(ok), deadlineMs: 1_000 }], outbox(), [], {
      host: "h",
      runAt: "now",
      deadline: startDeadline(60_000, () => performance.now()),
    });
    expect(ok).toHaveLength(1);
    expect(ok[0]).not.toHaveProperty("deadline");
  });
});
