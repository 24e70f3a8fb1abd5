// The alerts a run's leftover files raise: what was removed and the bytes freed, removals that
// failed, an alert rule's files while they are there, and refused budgets.
import { describe, expect, it } from "vitest";
import type { FileRemovalResult } from "../../../src/act/file-removals.js";
import { fileEvents } from "../../../src/alerts/file-events.js";
import type { FilePlan } from "../../../src/rules/file-plan-types.js";
import type { LeftoverFile } from "../../../src/scan/leftover-types.js";

const file = (name: string, sizeBytes: number): LeftoverFile => ({
  path: `/dev/shm/${name}`,
  dir: "/dev/shm",
  name,
  kind: "file",
  dev: 26,
  ino: name.length,
  uid: 1000,
  user: "app",
  sizeBytes,
  mtimeMs: 0,
  ctimeMs: 0,
});

const result = (path: string, outcome: FileRemovalResult["outcome"], bytesFreed: number) => ({
  rule: "leaked",
  path,
  dev: 26,
  ino: 1,
  uid: 1000,
  sizeBytes: bytesFreed,
  outcome,
  bytesFreed,
});

const EMPTY: FilePlan = { entries: [], spared: [], refusals: [], listings: [] };

describe("fileEvents", () => {
  it("one occurrence per rule that removed files, with the bytes freed", () => {
    const events = fileEvents(EMPTY, [
      result("/dev/shm/psm_a", "removed", 2 * 2 ** 30),
      result("/dev/shm/psm_b", "removed", 2 ** 30),
      result("/dev/shm/psm_c", "held", 0),
    ]);
    expect(events).toEqual([
      {
        key: "removed:leaked",
        kind: "occurrence",
        severity: "info",
        summary: "leaked: removed 2 leftover files, 3.0GiB freed",
        details: ["/dev/shm/psm_a (2.0GiB)", "/dev/shm/psm_b (1.0GiB)"],
        labels: { alertname: "CleanupFilesRemoved", rule: "leaked" },
      },
    ]);
  });

  it("a failed removal is a critical condition; a race (held, replaced) is not", () => {
    const events = fileEvents(EMPTY, [
      { ...result("/dev/shm/psm_a", "failed", 0), detail: "EROFS" },
      result("/dev/shm/psm_b", "replaced", 0),
    ]);
    expect(events.map((e) => [e.key, e.severity, e.summary, e.details])).toEqual([
      [
        "remove-failed:leaked",
        "critical",
        "leaked: 1 leftover file could not be removed",
        ["/dev/shm/psm_a: failed (EROFS)"],
      ],
    ]);
  });

  it("an alert rule's files, and a refused budget", () => {
    const plan: FilePlan = {
      ...EMPTY,
      entries: [
        {
          action: "alert",
          rule: "big",
          severity: "warning",
          file: file("psm_big", 3 * 2 ** 30),
          reasons: ["no holder", "size 3.0GiB > 1.0GiB"],
        },
      ],
      refusals: [
        {
          rule: "leaked",
          scope: "rule",
          measure: "files",
          would: 150,
          budget: 100,
          severity: "critical",
          message: "file rule leaked would remove 150 files, over its budget of 100: removed none",
        },
      ],
    };
    expect(
      fileEvents(plan, []).map((e) => [e.key, e.kind, e.severity, e.summary, e.details]),
    ).toEqual([
      [
        "files:big",
        "condition",
        "warning",
        "big: 1 leftover file, 3.0GiB (no holder; size 3.0GiB > 1.0GiB)",
        ["/dev/shm/psm_big (3.0GiB, app)"],
      ],
      [
        "file-budget:leaked",
        "condition",
        "critical",
        "file rule leaked would remove 150 files, over its budget of 100: removed none",
        [],
      ],
    ]);
  });
});
