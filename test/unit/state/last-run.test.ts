// The last-run record `status` reads: every outcome a run can end with is accepted, a wrong one is not.
import { describe, expect, it } from "vitest";
import { checkLastRun, LAST_RUN_VERSION, type LastRun } from "../../../src/state/last-run.js";

const record = (extra: Partial<LastRun> = {}): LastRun => ({
  version: LAST_RUN_VERSION,
  finishedAt: "2026-12-02T08:00:00.000Z",
  outcome: "ok",
  killed: 0,
  failed: 0,
  refusals: 0,
  alerts: 0,
  thresholds: [],
  durationMs: 12,
  ...extra,
});

describe("checkLastRun", () => {
  it("accepts every outcome a run records, a deadline run with its reason", () => {
    for (const outcome of ["ok", "attention", "busy"] as const)
      expect(checkLastRun(record({ outcome }))).toBeNull();
    expect(
      checkLastRun(record({ outcome: "deadline", deadline: "before signals; not done: SIGKILL" })),
    ).toBeNull();
  });

  it("names what is wrong", () => {
    expect(checkLastRun({ ...record(), outcome: "exploded" })).toBe("outcome missing");
    expect(checkLastRun(record({ outcome: "deadline", deadline: 5 as unknown as string }))).toBe(
      "deadline is not text",
    );
  });
});
