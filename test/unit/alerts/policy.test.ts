import { describe, expect, it } from "vitest";
import { collectEvents } from "../../../src/alerts/events.js";
import { acknowledge, emptyOutbox, enqueue } from "../../../src/alerts/outbox.js";
import {
  decide,
  emptyAlertState,
  policyLookup,
  type AlertState,
} from "../../../src/alerts/policy.js";
import type { AlertEvent } from "../../../src/alerts/types.js";
import type { AlertPolicy } from "../../../src/config/types.js";
import type { ThresholdResult } from "../../../src/host/thresholds.js";
import type { Plan, PlanEntry } from "../../../src/rules/plan-types.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);
const at = (hours: number) => new Date(T0 + hours * HOUR);

const memory = (severity: AlertEvent["severity"] = "critical"): AlertEvent => ({
  key: "threshold:memory",
  kind: "condition",
  severity,
  summary: `memory in use 87.0%: ${severity}`,
  details: [],
  labels: { alertname: "CleanupThreshold" },
});

/** Runs the policy over one event list per run, hourly; returns what each run announced. */
function runs(
  perRun: AlertEvent[][],
  policy: AlertPolicy,
): { statuses: string[][]; state: AlertState } {
  let state = emptyAlertState();
  const statuses: string[][] = [];
  perRun.forEach((events, i) => {
    const d = decide(events, state, at(i), "web-3", () => policy);
    statuses.push(
      d.notifications.map((n) => `${n.key} ${n.status}${n.reminder ? " reminder" : ""}`),
    );
    state = d.next;
  });
  return { statuses, state };
}

const ONCE: AlertPolicy = { forRuns: 1, remindMs: null, recovery: true };

describe("alert policy", () => {
  it("a condition standing for 5 runs alerts once; when it clears, one recovery", () => {
    const { statuses } = runs(
      [[memory()], [memory()], [memory()], [memory()], [memory()], [], []],
      ONCE,
    );
    expect(statuses).toEqual([
      ["threshold:memory firing"],
      [],
      [],
      [],
      [],
      ["threshold:memory resolved"],
      [],
    ]);
  });

  it("reminds at the interval, not before", () => {
    const standing = Array.from({ length: 8 }, () => [memory()]);
    const { statuses } = runs(standing, { ...ONCE, remindMs: 3 * HOUR });
    expect(statuses.map((s) => s.join())).toEqual([
      "threshold:memory firing",
      "",
      "",
      "threshold:memory firing reminder",
      "",
      "",
      "threshold:memory firing reminder",
      "",
    ]);
  });

  it("`for: 3`: a blip pages nobody; three runs in a row do, dated from the first", () => {
    const blip = runs([[memory()], [], [memory()], [memory()], []], { ...ONCE, forRuns: 3 });
    expect(blip.statuses.flat()).toEqual([]);
    let state = emptyAlertState();
    const announced = [0, 1, 2].map((i) => {
      const d = decide([memory()], state, at(i), "web-3", () => ({ ...ONCE, forRuns: 3 }));
      state = d.next;
      return d.notifications;
    });
    expect(announced.map((n) => n.length)).toEqual([0, 0, 1]);
    expect(announced[2]![0]).toMatchObject({
      status: "firing",
      startsAt: at(0).toISOString(),
      host: "web-3",
    });
  });

  it("a change of severity, worse or better, alerts again at once; recovery can be turned off", () => {
    const changes = runs(
      [[memory("warning")], [memory("warning")], [memory("critical")], [memory("warning")]],
      ONCE,
    );
    expect(changes.statuses).toEqual([
      ["threshold:memory firing"],
      [],
      ["threshold:memory firing"],
      ["threshold:memory firing"],
    ]);
    let state = emptyAlertState();
    state = decide([memory("warning")], state, at(0), "h", () => ONCE).next;
    const worse = decide([memory("critical")], state, at(1), "h", () => ONCE);
    expect(worse.notifications[0]).toMatchObject({
      severity: "critical",
      supersedes: "warning",
      reminder: false,
    });
    const quiet = runs([[memory()], []], { ...ONCE, recovery: false });
    expect(quiet.statuses).toEqual([["threshold:memory firing"], []]);
  });

  it("a resolved notice carries start and end; open conditions are listed for re-posting", () => {
    let state = emptyAlertState();
    const first = decide([memory()], state, at(0), "web-3", () => ONCE);
    expect(first.open.map((n) => n.key)).toEqual(["threshold:memory"]);
    state = first.next;
    const second = decide([], state, at(2), "web-3", () => ONCE);
    expect(second.notifications[0]).toMatchObject({
      status: "resolved",
      startsAt: at(0).toISOString(),
      endsAt: at(2).toISOString(),
    });
    expect(second.open).toEqual([]);
    expect(second.next.open).toEqual({});
  });

  it("occurrences are told every time and keep no state", () => {
    const killed: AlertEvent = {
      key: "killed:orphans",
      kind: "occurrence",
      severity: "info",
      summary: "orphans: killed 2",
      details: [],
      labels: {},
    };
    const { statuses, state } = runs([[killed], [killed]], ONCE);
    expect(statuses).toEqual([["killed:orphans event"], ["killed:orphans event"]]);
    expect(state.open).toEqual({});
  });

  it("a rule's own for/remind override the global policy for its alerts only", () => {
    const lookup = policyLookup(ONCE, [{ name: "reload", forRuns: 2, remindMs: HOUR }]);
    expect(lookup("rule:reload")).toEqual({ forRuns: 2, remindMs: HOUR, recovery: true });
    expect(lookup("kill-failed:reload")).toEqual({ forRuns: 2, remindMs: HOUR, recovery: true });
    expect(lookup("threshold:memory")).toEqual(ONCE);
    expect(lookup("rule:other")).toEqual(ONCE);
  });
});

describe("outbox", () => {
  const note = (id: string) => ({
    ...decide([memory()], emptyAlertState(), at(0), "h", () => ONCE).notifications[0]!,
    id,
  });

  it("queues per sink, drops the oldest past the limit and counts them, until a delivery", () => {
    let { outbox } = enqueue(emptyOutbox(), ["mail", "log"], [note("a"), note("b")], 3);
    ({ outbox } = enqueue(outbox, ["mail", "log"], [note("c"), note("d")], 3));
    expect(outbox.pending.mail!.map((n) => n.id)).toEqual(["b", "c", "d"]);
    expect(outbox.dropped).toEqual({ mail: 1, log: 1 });
    outbox = acknowledge(outbox, "mail", outbox.pending.mail!);
    expect(outbox.pending.mail).toEqual([]);
    expect(outbox.dropped).toEqual({ mail: 0, log: 1 });
    expect(outbox.pending.log).toHaveLength(3);
  });

  it("a sink removed from the config gives up its queue, and says how many", () => {
    const { outbox } = enqueue(emptyOutbox(), ["old"], [note("a")], 10);
    const next = enqueue(outbox, ["new"], [], 10);
    expect(next.orphaned).toEqual({ old: 1 });
    expect(next.outbox.pending).toEqual({ new: [] });
  });
});

describe("events from a run", () => {
  const proc = {
    pid: 42,
    startTicks: 1,
    ppid: 1,
    comm: "python3",
    argv: ["python3", "-c", "x"],
    user: "app",
    state: "S",
    ageMs: 2 * 86_400_000,
    rssBytes: 512 * 2 ** 20,
  };
  const entry = (action: PlanEntry["action"], rule: string): PlanEntry => ({
    action,
    rule,
    severity: action === "kill" ? "warning" : "warning",
    process: proc,
    facts: ["cmdline matches /x/"],
    ...(action === "kill" && { kill: { signal: "SIGTERM", graceMs: 1000 } }),
  });
  const threshold = (level: ThresholdResult["level"]): ThresholdResult => ({
    key: "disk:/var",
    resource: "disk",
    level,
    value: level === "unknown" ? null : 91,
    unit: "%",
    warn: 80,
    critical: 90,
    message: `disk /var space used: ${level}`,
  });

  it("thresholds, alert rules, refusals, kills and failed kills, each with a stable key", () => {
    const plan: Plan = {
      entries: [entry("alert", "reload"), entry("kill", "orphans"), entry("report", "big")],
      spared: [],
      refusals: [
        {
          rule: "greedy",
          scope: "rule",
          wouldKill: 60,
          budget: 50,
          severity: "critical",
          message: "greedy over budget",
        },
      ],
      inactive: [],
    };
    const events = collectEvents({
      plan,
      results: [
        {
          pid: 42,
          startTicks: 1,
          rule: "orphans",
          outcome: "killed",
          signals: ["SIGTERM", "SIGKILL"],
        },
      ],
      thresholds: [
        threshold("critical"),
        threshold("ok"),
        { ...threshold("unknown"), key: "disk:/mnt" },
      ],
    });
    expect(events.map((e) => [e.key, e.kind, e.severity])).toEqual([
      ["threshold:disk:/var", "condition", "critical"],
      ["unknown:disk:/mnt", "condition", "warning"],
      ["rule:reload", "condition", "warning"],
      ["budget:greedy", "condition", "critical"],
      ["killed:orphans", "occurrence", "info"],
    ]);
    expect(events[4]!.summary).toBe("orphans: killed 1 process, 512MiB resident freed");
    expect(events[4]!.details[0]).toBe("pid 42 (app, age 2d, rss 512MiB) python3 -c x");
    expect(events[0]!.labels).toEqual({
      alertname: "CleanupThreshold",
      resource: "disk",
      target: "/var",
    });
  });

  it("a kill that failed is a critical condition with the reason per process", () => {
    const plan: Plan = {
      entries: [entry("kill", "orphans")],
      spared: [],
      refusals: [],
      inactive: [],
    };
    const [event] = collectEvents({
      plan,
      results: [
        {
          pid: 42,
          startTicks: 1,
          rule: "orphans",
          outcome: "stuck",
          signals: ["SIGTERM", "SIGKILL"],
          detail: "still alive in state D after SIGKILL",
        },
      ],
      thresholds: [],
    });
    expect(event).toMatchObject({
      key: "kill-failed:orphans",
      kind: "condition",
      severity: "critical",
    });
    expect(event!.details[0]).toContain("stuck: still alive in state D after SIGKILL");
  });
});

describe("alert policy: what a run could not judge stays open (review)", () => {
  it("a scan failure or an unknown metric resolves nothing", () => {
    let state = decide([memory()], emptyAlertState(), at(0), "h", () => ONCE).next;
    const failed = decide(
      [],
      state,
      at(1),
      "h",
      () => ONCE,
      () => true,
    );
    expect(failed.notifications).toEqual([]);
    expect(Object.keys(failed.next.open)).toEqual(["threshold:memory"]);
    expect(failed.open.map((n) => n.key)).toEqual(["threshold:memory"]); // still re-posted to Alertmanager
    state = failed.next;
    const unknown = decide(
      [],
      state,
      at(2),
      "h",
      () => ONCE,
      (key) => key === "threshold:memory",
    );
    expect(unknown.notifications).toEqual([]);
    const cleared = decide([], unknown.next, at(3), "h", () => ONCE);
    expect(cleared.notifications.map((n) => n.status)).toEqual(["resolved"]);
  });
});
