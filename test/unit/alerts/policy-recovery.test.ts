// Recoveries say what the value is now and what it was when last told; old state files (without
// the stored reading) stay readable. Real threshold results (evaluateThresholds) through the
// real events and policy, on plain data.
import { describe, expect, it } from "vitest";
import { collectEvents, currentReadings } from "../../../src/alerts/events.js";
import {
  decide,
  emptyAlertState,
  parseAlertState,
  type AlertState,
} from "../../../src/alerts/policy.js";
import type { Notification } from "../../../src/alerts/types.js";
import type { AlertPolicy, Thresholds } from "../../../src/config/types.js";
import { evaluateThresholds } from "../../../src/host/thresholds.js";
import type { HostMetrics } from "../../../src/host/types.js";
import type { Plan, PlanEntry } from "../../../src/rules/plan-types.js";
import { alertEntry, host } from "../../helpers/run-report.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 2, 0, 0, 0);
const at = (hours: number) => new Date(T0 + hours * HOUR);
const ONCE: AlertPolicy = { forRuns: 1, remindMs: null, recovery: true };
const HOURLY: AlertPolicy = { forRuns: 1, remindMs: HOUR, recovery: true };
const THRESHOLDS: Thresholds = {
  memory: null,
  swap: null,
  cpu: null,
  load: null,
  disk: { warn: 80, critical: 95, mounts: ["/x"] },
};
const EMPTY_PLAN: Plan = { entries: [], spared: [], refusals: [], inactive: [] };

/** The host with /x at `used` percent (null: statfs did not answer). */
function metrics(used: number | null): HostMetrics {
  const disk =
    used === null
      ? { mount: "/x", status: "unknown" as const, error: "statfs did not answer within 2s" }
      : {
          mount: "/x",
          status: "ok" as const,
          totalBytes: 1e11,
          availableBytes: 1e11 * (1 - used / 100),
          usedPercent: used,
          inodesTotal: 1e6,
          inodesFree: 9e5,
          inodesUsedPercent: 10,
        };
  return { ...host(), disks: [disk] };
}

/** One run of the policy at hour `hour`, the way announce feeds it. */
function run(
  state: AlertState,
  hour: number,
  used: number | null,
  policy = ONCE,
  entries: PlanEntry[] = [],
) {
  const thresholds = evaluateThresholds(metrics(used), THRESHOLDS);
  const events = collectEvents({ plan: { ...EMPTY_PLAN, entries }, results: [], thresholds });
  const unknown = new Set(
    thresholds.filter((t) => t.level === "unknown").map((t) => `threshold:${t.key}`),
  );
  return decide(
    events,
    state,
    at(hour),
    "web-3",
    () => policy,
    (key) => unknown.has(key),
    currentReadings(thresholds),
  );
}

const resolvedOf = (notifications: Notification[]) =>
  notifications.filter((n) => n.status === "resolved");

describe("a recovery says the value now and what it was", () => {
  it("RESOLVED disk /x space used 2.4% (was 91.3%, warn), with the limits in %", () => {
    const opened = run(emptyAlertState(), 0, 91.3);
    expect(opened.notifications.map((n) => n.summary)).toEqual([
      "disk /x space used 91.3%: warn (warn 80%, critical 95%)",
    ]);
    const cleared = run(opened.next, 1, 2.4);
    const [resolved, ...rest] = resolvedOf(cleared.notifications);
    expect(rest).toEqual([]);
    expect(resolved).toMatchObject({
      key: "threshold:disk:/x",
      severity: "warning",
      summary: "disk /x space used 2.4% (was 91.3%, warn)",
      details: ["value 2.4%, warn 80%, critical 95%"],
      startsAt: at(0).toISOString(),
      endsAt: at(1).toISOString(),
    });
    expect(cleared.next.open).toEqual({});
  });

  it("'was' is what the last notification told: a severity change and a reminder update it", () => {
    let state = run(emptyAlertState(), 0, 85, HOURLY).next;
    expect(state.open["threshold:disk:/x"]?.reading).toBe("85.0%, warn");
    state = run(state, 0.5, 97, HOURLY).next; // worse: told at once
    expect(state.open["threshold:disk:/x"]?.reading).toBe("97.0%, critical");
    state = run(state, 0.75, 96, HOURLY).next; // not told (no reminder due): reading kept
    expect(state.open["threshold:disk:/x"]?.reading).toBe("97.0%, critical");
    state = run(state, 1.6, 98.5, HOURLY).next; // the reminder
    expect(state.open["threshold:disk:/x"]?.reading).toBe("98.5%, critical");
    const [resolved] = resolvedOf(run(state, 2, 10, HOURLY).notifications);
    expect(resolved?.summary).toBe("disk /x space used 10.0% (was 98.5%, critical)");
    expect(resolved?.severity).toBe("critical");
  });

  it("a metric that could be read again: the unknown alert resolves with the value now", () => {
    let state = run(emptyAlertState(), 0, 91.3).next;
    const unknown = run(state, 1, null);
    // The threshold alert is kept open (no recovery from a reading that failed); unknown fires.
    expect(unknown.notifications.map((n) => `${n.key} ${n.status}`)).toEqual([
      "unknown:disk:/x firing",
      "unknown:disk-inodes:/x firing",
    ]);
    state = unknown.next;
    const back = resolvedOf(run(state, 2, 3).notifications).map((n) => n.summary);
    expect(back).toEqual([
      "disk /x space used 3.0% (was unknown)",
      "disk /x inodes used 10.0% (was unknown)",
      "disk /x space used 3.0% (was 91.3%, warn)",
    ]);
  });

  it("a condition without a value (a rule that matches nothing now) says what is no longer so", () => {
    const entries = [alertEntry("hung-jobs", 301, "warning")];
    const state = run(emptyAlertState(), 0, 10, ONCE, entries).next;
    const [resolved] = resolvedOf(run(state, 1, 10).notifications);
    expect(resolved?.summary).toBe("no longer: hung-jobs: 1 process (age 2d ≥ 1d)");
    // The processes it listed, as last seen: what the operator may want to check on.
    expect(resolved?.details[0]).toMatch(/^pid 301 /);
  });
});

describe("alert state of an earlier version (no stored reading)", () => {
  const old = {
    version: 1,
    open: {
      "threshold:disk:/x": {
        severity: "warning",
        summary: "disk /x space used 91.3%: warn (warn 80%, critical 95%)",
        details: ["value 91.3%, warn 80, critical 95"],
        labels: { alertname: "CleanupThreshold", resource: "disk", target: "/x" },
        consecutive: 3,
        firstSeenAt: at(0).toISOString(),
        startsAt: at(0).toISOString(),
        lastNotifiedAt: at(0).toISOString(),
      },
    },
  };

  it("is read whole, and its recovery says the value now, the old summary in a detail", () => {
    const parsed = parseAlertState(old);
    expect(parsed).toMatchObject({ ok: true, rejected: [] });
    if (!parsed.ok) return;
    const [resolved] = resolvedOf(run(parsed.data, 1, 2.4).notifications);
    expect(resolved?.summary).toBe("disk /x space used 2.4%");
    expect(resolved?.details).toEqual([
      "value 2.4%, warn 80%, critical 95%",
      "was: disk /x space used 91.3%: warn (warn 80%, critical 95%)",
    ]);
  });

  it("an entry whose reading is not a text is set aside alone", () => {
    const bad = structuredClone(old) as { open: Record<string, Record<string, unknown>> };
    bad.open["threshold:memory"] = { ...bad.open["threshold:disk:/x"], reading: 42 };
    const parsed = parseAlertState(bad);
    expect(parsed.ok && Object.keys(parsed.data.open)).toEqual(["threshold:disk:/x"]);
    expect(parsed.ok && parsed.rejected?.map((r) => r.problem)).toEqual(["reading is not a text"]);
  });
});
