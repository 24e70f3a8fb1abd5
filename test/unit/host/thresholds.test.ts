import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Thresholds } from "../../../src/config/types.js";
import { cpuSince } from "../../../src/host/cpu.js";
import { readCpuCounters, readHostMetrics } from "../../../src/host/read-host.js";
import {
  evaluateThresholds,
  levelOf,
  resourceLevels,
  whenHolds,
} from "../../../src/host/thresholds.js";
import type { HostMetrics } from "../../../src/host/types.js";
import { ProcFixture, config } from "../../helpers/fixtures.js";

const DEFAULTS = config("rules: []").thresholds;

let fixture: ProcFixture | undefined;
afterEach(() => fixture?.cleanup());

/** A fixture /proc with meminfo at `usedPercent` of 1,000,000 kB, a load and PSI. */
function procWithMemory(usedPercent: number, swapUsedPercent = 0): ProcFixture {
  fixture = new ProcFixture();
  const total = 1_000_000;
  const available = Math.round(total * (1 - usedPercent / 100));
  const swapTotal = 2_000_000;
  const swapFree = Math.round(swapTotal * (1 - swapUsedPercent / 100));
  writeFileSync(
    join(fixture.root, "meminfo"),
    `MemTotal:       ${total} kB\nMemFree:          100000 kB\nMemAvailable:   ${available} kB\nBuffers:           20000 kB\nCached:           300000 kB\nSwapTotal:      ${swapTotal} kB\nSwapFree:       ${swapFree} kB\n`,
  );
  writeFileSync(join(fixture.root, "loadavg"), "3.00 2.00 1.00 2/300 4242\n");
  writeFileSync(join(fixture.root, "stat"), statText(0, 0));
  mkdirSync(join(fixture.root, "pressure"));
  writeFileSync(
    join(fixture.root, "pressure", "memory"),
    "some avg10=1.50 avg60=0.50 avg300=0.10 total=12345\nfull avg10=0.50 avg60=0.10 avg300=0.00 total=2345\n",
  );
  return fixture;
}

/** /proc/stat with `busy` ticks of user time and `idle` ticks idle, on 2 CPUs. */
function statText(busy: number, idle: number): string {
  return `cpu  ${1000 + busy} 0 500 ${10_000 + idle} 100 0 10 5 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\ncpu1 1 0 1 1 0 0 0 0 0 0\nintr 0\n`;
}

async function metricsAt(usedPercent: number, swapUsedPercent = 0): Promise<HostMetrics> {
  const f = procWithMemory(usedPercent, swapUsedPercent);
  return readHostMetrics({
    procRoot: f.root,
    now: () => 0,
    mounts: [],
    statfsTimeoutMs: 1000,
    cpu: null,
  });
}

describe("thresholds on fixture /proc trees, at every edge", () => {
  it.each([
    [74.9, "ok"],
    [75, "warn"],
    [84.9, "warn"],
    [85, "critical"],
    [99, "critical"],
  ])("memory %s%% in use is %s (defaults warn 75%%, critical 85%%)", async (used, level) => {
    const results = evaluateThresholds(await metricsAt(used), DEFAULTS);
    const memory = results.find((r) => r.key === "memory")!;
    expect(memory).toMatchObject({ level, warn: 75, critical: 85, unit: "%" });
    expect(memory.value).toBeCloseTo(used, 6);
    expect(memory.message).toContain(`memory in use ${used.toFixed(1)}%: ${level}`);
  });

  it.each([
    [79, "ok"],
    [80, "warn"],
    [90, "critical"],
  ])("CPU %s%% busy between two /proc/stat readings is %s", async (busyPercent, level) => {
    const f = procWithMemory(10);
    const before = readCpuCounters(f.root)!;
    // 1000 ticks pass: busyPercent of them in user time, the rest idle.
    writeFileSync(join(f.root, "stat"), statText(busyPercent * 10, (100 - busyPercent) * 10));
    const after = readCpuCounters(f.root)!;
    const cpu = cpuSince(
      before.counters,
      { bootId: "b", takenAtMs: 60_000, counters: after.counters, cores: after.cores },
      0,
      "previous-run",
    );
    expect(cpu).toMatchObject({ source: "previous-run", intervalMs: 60_000, cores: 2 });
    const host = await readHostMetrics({
      procRoot: f.root,
      now: () => 0,
      mounts: [],
      statfsTimeoutMs: 1000,
      cpu,
    });
    const result = evaluateThresholds(host, DEFAULTS).find((r) => r.key === "cpu")!;
    expect(result.value).toBeCloseTo(busyPercent, 6);
    expect(result.level).toBe(level);
    expect(result.message).toContain("since the previous run");
  });

  it.each([
    [1.49, "ok"],
    [1.5, "warn"],
    [3, "critical"],
  ])("load %s per core is %s when load thresholds are set", async (perCore, level) => {
    const f = procWithMemory(10);
    writeFileSync(join(f.root, "loadavg"), `${(perCore * 2).toFixed(2)} 1.00 1.00 1/100 42\n`);
    const host = await readHostMetrics({
      procRoot: f.root,
      now: () => 0,
      mounts: [],
      statfsTimeoutMs: 1000,
      cpu: null,
    });
    const thresholds: Thresholds = { ...DEFAULTS, load: { warn: 1.5, critical: 3 } };
    expect(evaluateThresholds(host, thresholds).find((r) => r.key === "load")).toMatchObject({
      level,
      unit: "per core",
    });
  });

  it("swap is judged only when configured", async () => {
    const host = await metricsAt(10, 60);
    expect(evaluateThresholds(host, DEFAULTS).some((r) => r.key === "swap")).toBe(false);
    const withSwap = evaluateThresholds(host, { ...DEFAULTS, swap: { warn: 50, critical: 80 } });
    expect(withSwap.find((r) => r.key === "swap")).toMatchObject({ level: "warn", value: 60 });
  });

  it("a metric that could not be read is unknown, never ok", () => {
    const empty: HostMetrics = {
      takenAtMs: 0,
      memory: null,
      swap: null,
      cpu: null,
      load: null,
      disks: [{ mount: "/", status: "unknown", error: "no answer within 2000 ms" }],
      pressure: { cpu: null, memory: null, io: null },
      readMs: 0,
    };
    const results = evaluateThresholds(empty, DEFAULTS);
    expect(results.map((r) => [r.key, r.level])).toEqual([
      ["memory", "unknown"],
      ["cpu", "unknown"],
      ["disk:/", "unknown"],
      ["disk-inodes:/", "unknown"],
    ]);
    expect(results[2]!.message).toBe(
      "disk / space used unknown (no answer within 2000 ms): unknown (warn 80%, critical 90%)",
    );
  });
});

describe("levels per resource and `when`", () => {
  it("levelOf: at the limit counts", () => {
    expect(levelOf(80, { warn: 80, critical: 90 })).toBe("warn");
    expect(levelOf(null, { warn: 80, critical: 90 })).toBe("unknown");
  });

  it("the worst level of a resource decides (two mounts)", () => {
    const host: HostMetrics = {
      takenAtMs: 0,
      memory: null,
      swap: null,
      cpu: null,
      load: null,
      readMs: 0,
      pressure: { cpu: null, memory: null, io: null },
      disks: [
        { mount: "/", status: "ok", usedPercent: 50, inodesUsedPercent: 1 },
        { mount: "/var", status: "ok", usedPercent: 95, inodesUsedPercent: 1 },
      ],
    };
    const levels = resourceLevels(
      evaluateThresholds(host, {
        ...DEFAULTS,
        disk: { warn: 80, critical: 90, mounts: ["/", "/var"] },
      }),
    );
    expect(levels).toMatchObject({ disk: "critical", memory: "unknown" });
  });

  it("when holds at the level or worse, and says why not otherwise", () => {
    expect(whenHolds({ memory: "warn" }, { memory: "critical" })).toEqual({
      holds: true,
      reason: "memory at warn or worse",
    });
    expect(whenHolds({ memory: "critical" }, { memory: "warn" })).toEqual({
      holds: false,
      reason: "memory is warn, rule needs critical",
    });
    expect(whenHolds({ disk: "warn" }, {})).toEqual({
      holds: false,
      reason: "disk is unknown, rule needs warn",
    });
  });
});
