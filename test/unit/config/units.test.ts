import { describe, expect, it } from "vitest";
import {
  formatDuration,
  formatSize,
  parseDuration,
  parsePercent,
  parseSize,
} from "../../../src/config/units.js";

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["6h", 6 * 3_600_000],
    ["1d", 86_400_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    [" 2w ", 2 * 604_800_000],
    ["1.5h", 5_400_000],
    ["0.5s", 500],
    ["1d 2h", 86_400_000 + 2 * 3_600_000],
    ["30m", 1_800_000],
  ])("parses %j as %d ms", (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: ms });
  });

  it("rejects a negative duration with a dedicated message", () => {
    expect(parseDuration("-5m")).toEqual({ ok: false, problem: "a duration cannot be negative" });
    expect(parseDuration("  -1h")).toEqual({
      ok: false,
      problem: "a duration cannot be negative",
    });
  });

  it.each(["5", "abc", "5 minutes", "", "   ", "m5", "1h30", "5x", "1.h"])(
    "rejects %j as not a duration",
    (text) => {
      expect(parseDuration(text)).toEqual({ ok: false, problem: "not a duration" });
    },
  );
});

describe("parseSize", () => {
  it.each([
    ["500MB", 500e6],
    ["2GiB", 2 * 2 ** 30],
    ["64 KiB", 64 * 1024],
    ["1.5GB", 1.5e9],
    ["512MiB", 512 * 2 ** 20],
    ["1TB", 1e12],
    ["100b", 100],
    [" 10kb ", 10_000],
  ])("parses %j as %d bytes", (text, bytes) => {
    expect(parseSize(text)).toEqual({ ok: true, value: bytes });
  });

  it("rejects a negative size with a dedicated message", () => {
    expect(parseSize("-1MB")).toEqual({ ok: false, problem: "a size cannot be negative" });
  });

  it.each(["500", "5XB", "", "MB", "5 M B", "1,5GB"])("rejects %j as not a size", (text) => {
    expect(parseSize(text)).toEqual({ ok: false, problem: "not a size" });
  });
});

describe("parsePercent", () => {
  it.each([
    ["85%", 85],
    ["0%", 0],
    ["100%", 100],
    [" 12.5 % ", 12.5],
  ])("parses %j as %d", (text, value) => {
    expect(parsePercent(text)).toEqual({ ok: true, value });
  });

  it("rejects more than 100%", () => {
    expect(parsePercent("101%")).toEqual({
      ok: false,
      problem: "a percentage cannot exceed 100%",
    });
    expect(parsePercent("100.1%")).toMatchObject({ ok: false });
  });

  it("rejects a negative percentage", () => {
    expect(parsePercent("-5%")).toEqual({ ok: false, problem: "a percentage cannot be negative" });
  });

  it.each(["85", "", "%", "eighty%"])("rejects %j as not a percentage", (text) => {
    expect(parsePercent(text)).toEqual({ ok: false, problem: "not a percentage" });
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [999, "0s"],
    [12_000, "12s"],
    [60_000, "1m"],
    [90_000, "1m30s"],
    [3_600_000, "1h"],
    [5_400_000, "1h30m"],
    [86_400_000, "1d"],
    [2 * 86_400_000 + 3 * 3_600_000 + 59 * 60_000, "2d3h"],
    [-5_000, "0s"],
  ])("formats %d ms as %j", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("round-trips with parseDuration for whole units", () => {
    for (const text of ["12s", "1m30s", "6h", "1h30m", "1d", "2d3h"]) {
      const parsed = parseDuration(text);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(formatDuration(parsed.value)).toBe(text);
    }
  });
});

describe("formatSize", () => {
  it.each([
    [0, "0B"],
    [1023, "1023B"],
    [1024, "1.0KiB"],
    [1536, "1.5KiB"],
    [500e6, "477MiB"],
    [2 * 2 ** 30, "2.0GiB"],
    [150 * 2 ** 20, "150MiB"],
    [3 * 2 ** 40, "3.0TiB"],
    [2 ** 50, "1024TiB"],
  ])("formats %d bytes as %j", (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});
