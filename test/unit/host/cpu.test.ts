import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  checkCpuState,
  processCpuSinceScan,
  cpuState,
  processCpuIndex,
  processCpuPercent,
  usablePrevious,
  type CpuNow,
} from "../../../src/host/cpu.js";
import { fromCheck } from "../../../src/state/shape.js";
import { readStateFile, writeStateFile } from "../../../src/state/store.js";
import { ProcFixture, proc } from "../../helpers/fixtures.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cleanup-state-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (setAside: boolean) =>
  readStateFile<{ version: number; n: number }>(dir, "x.json", {
    version: 1,
    parse: fromCheck((d) => (typeof (d as { n?: unknown }).n === "number" ? null : "n missing")),
    setAside,
    now: () => Date.UTC(2026, 10, 23, 12),
  });

describe("state files", () => {
  it("round-trips atomically and leaves no temp file", () => {
    expect(read(true)).toEqual({ kind: "missing" });
    writeStateFile(dir, "x.json", { version: 1, n: 42 } as { version: number });
    expect(read(true)).toEqual({ kind: "ok", data: { version: 1, n: 42 }, rejected: [] });
    expect(readdirSync(dir)).toEqual(["x.json"]);
  });

  it.each([
    ["truncated", '{"version":1,"n":4', /^not JSON/],
    ["empty", "", /the file is empty/],
    ["another schema version", '{"version":2,"n":1}', /schema version 2, expected 1/],
    ["the wrong shape", '{"version":1}', /n missing/],
  ])("a %s file is set aside, reported and kept by a live run", (_what, text, problem) => {
    writeFileSync(join(dir, "x.json"), text);
    const result = read(true);
    expect(result.kind).toBe("corrupt");
    if (result.kind !== "corrupt") return;
    expect(result.problem).toMatch(problem);
    expect(result.keptAs).toBe(join(dir, "x.json.corrupt-2026-11-23T12-00-00-000Z"));
    expect(readFileSync(result.keptAs!, "utf8")).toBe(text);
    expect(existsSync(join(dir, "x.json"))).toBe(false);
  });

  it("a read-only run (dry run, status) reports a corrupt file and leaves it where it is", () => {
    writeFileSync(join(dir, "x.json"), "garbage");
    const result = read(false);
    expect(result).toMatchObject({ kind: "corrupt", keptAs: null });
    expect(readFileSync(join(dir, "x.json"), "utf8")).toBe("garbage");
  });
});

describe("CPU across runs", () => {
  const counters = {
    user: 10,
    nice: 0,
    system: 5,
    idle: 80,
    iowait: 5,
    irq: 0,
    softirq: 0,
    steal: 0,
    total: 100,
  };
  const now = (takenAtMs: number, bootId = "boot-a"): CpuNow => ({
    bootId,
    takenAtMs,
    counters,
    cores: 2,
  });

  it("the previous run's counters are used only from the same boot, in order, and not too old", () => {
    const previous = cpuState(now(1_000_000), []);
    expect(checkCpuState(previous)).toBeNull();
    expect(usablePrevious(previous, now(1_000_000 + 3_600_000))).toBe(true);
    expect(usablePrevious(previous, now(1_000_000 + 3_600_000, "boot-b"))).toBe(false);
    expect(usablePrevious(previous, now(999_000))).toBe(false);
    expect(usablePrevious(previous, now(1_000_000 + 7 * 3_600_000))).toBe(false);
    expect(usablePrevious(null, now(1))).toBe(false);
  });

  it("per process, only for the same (pid, start time)", () => {
    const before = proc({ pid: 10, startTicks: 500, cpuMs: 1_000 });
    const index = processCpuIndex(cpuState(now(0), [before]));
    expect(processCpuPercent(index, 0, { ...before, cpuMs: 31_000 }, 60_000)).toBeCloseTo(50, 6);
    // Same pid, another process: no figure rather than a wrong one.
    expect(
      processCpuPercent(index, 0, { ...before, startTicks: 900, cpuMs: 31_000 }, 60_000),
    ).toBeNull();
  });
});

describe("per-process CPU without a previous run", () => {
  it("is measured between the scan and a fresh read, for the same process only", () => {
    const fixture = new ProcFixture();
    try {
      // The fixture's stat has utime 50 + stime 25 ticks = 750 ms; the scan saw 650 ms.
      fixture.add({ pid: 10, ppid: 1, startTicks: 500 });
      const scanned = proc({ pid: 10, startTicks: 500, cpuMs: 650 });
      expect(processCpuSinceScan(fixture.root, scanned, 0, 200, 100)).toBeCloseTo(50, 6);
      expect(processCpuSinceScan(fixture.root, scanned, 0, 50, 100)).toBeNull(); // too short to tell
      expect(
        processCpuSinceScan(fixture.root, { ...scanned, startTicks: 501 }, 0, 200, 100),
      ).toBeNull();
      expect(processCpuSinceScan(fixture.root, { ...scanned, pid: 11 }, 0, 200, 100)).toBeNull();
    } finally {
      fixture.cleanup();
    }
  });
});

describe("StateFiles", () => {
  it("a write that fails is recorded, not thrown", async () => {
    const { StateFiles } = await import("../../../src/state/reader.js");
    const files = new StateFiles(join(dir, "missing", "deeper"), true);
    files.write("x.json", { version: 1 });
    expect(files.writeFailed).toBe(true);
    expect(files.problems[0]).toMatch(/x\.json: cannot write: ENOENT/);
  });
});
