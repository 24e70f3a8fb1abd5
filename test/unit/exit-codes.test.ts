// The outcome → exit decisions that used to be made by main.ts, now in src/exit-codes.ts.
import { describe, expect, it } from "vitest";
import { StateDirError } from "../../src/act/session.js";
import { ConfigError } from "../../src/config/errors.js";
import {
  EXIT,
  exitCodeForAlertTest,
  exitCodeForError,
  exitCodeForRun,
  exitForDaemonStop,
  isInternalError,
} from "../../src/exit-codes.js";
import { ScanError } from "../../src/scan/types.js";
import { UsageError } from "../../src/shared/usage-error.js";

describe("exit codes", () => {
  it.each([
    ["ok", true, EXIT.OK],
    ["ok", false, EXIT.ATTENTION],
    ["attention", true, EXIT.ATTENTION],
    ["attention", false, EXIT.ATTENTION],
    ["busy", true, EXIT.BUSY],
    ["busy", false, EXIT.BUSY],
    ["deadline", false, EXIT.DEADLINE],
  ] as const)("a run %s, textfile written: %s → %i", (outcome, written, code) => {
    expect(exitCodeForRun(outcome, written)).toBe(code);
  });

  it("alert test: 1 as soon as one sink failed", () => {
    expect(exitCodeForAlertTest(0)).toBe(EXIT.OK);
    expect(exitCodeForAlertTest(1)).toBe(EXIT.ATTENTION);
    expect(exitCodeForAlertTest(3)).toBe(EXIT.ATTENTION);
  });

  it("a daemon that gave up ends at once, with 1; one that stopped ends by itself, with 0", () => {
    expect(exitForDaemonStop("stopped")).toEqual({ code: EXIT.OK });
    expect(exitForDaemonStop("gave-up")).toEqual({ code: EXIT.ATTENTION, now: true });
  });

  it.each([
    [new ConfigError("f", []), EXIT.CONFIG, false],
    [new ScanError("x"), EXIT.SCAN, false],
    [new StateDirError("x"), EXIT.STATE_DIR, false],
    [new UsageError("x"), EXIT.USAGE, false],
    [new TypeError("x"), EXIT.INTERNAL, true],
    ["a string", EXIT.INTERNAL, true],
  ])("%o → %i, internal: %s", (error, code, internal) => {
    expect(exitCodeForError(error)).toBe(code);
    expect(isInternalError(error)).toBe(internal);
  });
});
