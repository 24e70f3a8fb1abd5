// A run's warnings as log lines: each at its level, with an `event` field that says what it is.
import { describe, expect, it } from "vitest";
import { runLogEntries } from "../../../src/report/log-lines.js";
import { liveReport } from "../../helpers/run-report.js";

describe("runLogEntries", () => {
  it("a clean run logs nothing (its report says it all)", () => {
    const report = liveReport();
    const clean = {
      ...report,
      stateProblems: [],
      scan: { ...report.scan!, unreadable: 0 },
      alerts: { ...report.alerts!, deliveries: [], orphaned: {} },
    };
    expect(runLogEntries(clean)).toEqual([]);
  });

  it("state problems, unreadable /proc entries, a failed and a given-up sink: warnings; the deadline: an error", () => {
    const report = liveReport();
    const entries = runLogEntries({
      ...report,
      stateProblems: ["state file /s/alerts.json: not JSON; set aside as /s/alerts.json.corrupt-1"],
      scan: { ...report.scan!, unreadable: 3 },
      deadline: { limitMs: 5_000, stage: "signals", notDone: ["no SIGKILL to pid 7"] },
      alerts: {
        notifications: [],
        deliveries: [
          {
            sink: "hook",
            type: "webhook",
            status: "failed",
            notifications: 2,
            dropped: 0,
            error: "ECONNREFUSED",
          },
          { sink: "log", type: "log", status: "sent", notifications: 2, dropped: 0 },
        ],
        orphaned: { old: 4 },
      },
    });
    expect(entries.map((e) => [e.level, e.fields?.event])).toEqual([
      ["error", "deadline"],
      ["warn", "scan-unreadable"],
      ["warn", "state-problem"],
      ["warn", "delivery-failed"],
      ["warn", "sink-orphaned"],
    ]);
    expect(entries[0]!.summary).toContain("settings.run_deadline 5s");
    expect(entries[1]!.summary).toBe("3 /proc entries could not be read");
    expect(entries[2]!.summary).toBe(
      "state file /s/alerts.json: not JSON; set aside as /s/alerts.json.corrupt-1",
    );
    expect(entries[3]!.summary).toBe(
      "sink hook (webhook) failed: ECONNREFUSED; 2 notifications not delivered",
    );
    expect(entries[4]!.fields).toEqual({ event: "sink-orphaned", sink: "old", notifications: 4 });
  });
});
