// The daemon's events as log lines: their fields kept, a level (so a journald priority) and a
// readable summary added.
import { describe, expect, it } from "vitest";
import { daemonLogEntry, type DaemonEvent } from "../../../src/daemon/log-events.js";

describe("daemonLogEntry", () => {
  it.each<[DaemonEvent, string]>([
    [{ event: "started", schedule: "* * * * *", config: "/c", nextRun: null }, "info"],
    [{ event: "health", url: "http://127.0.0.1:9/health" }, "info"],
    [{ event: "run", outcome: "ok", killed: 0, notifications: 0, durationMs: 5 }, "info"],
    [{ event: "run", outcome: "busy", killed: 0, notifications: 0, durationMs: 5 }, "info"],
    [{ event: "run", outcome: "ok", killed: 2, notifications: 1, durationMs: 5 }, "notice"],
    [{ event: "run", outcome: "attention", killed: 1, notifications: 1, durationMs: 5 }, "warn"],
    [{ event: "run", outcome: "deadline", killed: 0, notifications: 0, durationMs: 5 }, "warn"],
    [{ event: "skipped", reason: "the previous run is still going" }, "warn"],
    [{ event: "run-failed", error: "boom", exitCode: 1 }, "error"],
    [{ event: "run-killed", reason: "past its deadline", exitCode: 7 }, "error"],
    [{ event: "stopping", signal: "SIGTERM", waitingForRun: false }, "info"],
    [{ event: "stopped", gaveUpOnRun: false }, "info"],
    [{ event: "stopped", gaveUpOnRun: true, afterMs: 100 }, "error"],
    [{ event: "scheduler", schedulerLevel: "warn", message: "missed execution" }, "warn"],
    [{ event: "scheduler", schedulerLevel: "error", message: "Task failed", error: "x" }, "error"],
    [{ event: "scheduler", schedulerLevel: "info", message: "hello" }, "info"],
  ])("%j → %s", (event, level) => {
    const entry = daemonLogEntry(event);
    expect(entry.level).toBe(level);
    expect(entry.fields).toEqual(event);
    expect(entry.summary).not.toMatch(/undefined/);
  });

  it("summaries read as sentences", () => {
    expect(
      daemonLogEntry({ event: "run-killed", reason: "past its deadline (9 ms)", exitCode: 7 })
        .summary,
    ).toBe("run killed (exit 7): past its deadline (9 ms)");
    expect(daemonLogEntry({ event: "stopped", gaveUpOnRun: true, afterMs: 100 }).summary).toBe(
      "daemon stopped; gave up on the run in progress after 100 ms",
    );
  });
});
