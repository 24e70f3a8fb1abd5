// readHostMetrics and the CPU readers, on fixture /proc trees and on this host's real /proc.
import { mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readCpuCounters, readHostMetrics, sampleCpu } from "../../../src/host/read-host.js";
import { readDisks } from "../../../src/host/statfs.js";
import type { CpuMetrics } from "../../../src/host/types.js";
import { ProcFixture } from "../../helpers/fixtures.js";

const MEMINFO = `MemTotal:       16777216 kB
MemFree:         1048576 kB
MemAvailable:    4194304 kB
Buffers:          102400 kB
Cached:          3145728 kB
SwapCached:            0 kB
SwapTotal:       2097152 kB
SwapFree:        1572864 kB
Shmem:              9280 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
`;

function statText(user: number, idle: number, iowait: number, steal: number): string {
  const line = (name: string) => `${name} ${user} 0 0 ${idle} ${iowait} 0 0 ${steal} 0 0`;
  return [line("cpu "), line("cpu0"), line("cpu1"), line("cpu2"), "ctxt 1", "btime 1", ""].join(
    "\n",
  );
}

const PRESSURE_FULL =
  "some avg10=1.50 avg60=2.50 avg300=3.50 total=1000\nfull avg10=0.50 avg60=0.25 avg300=0.10 total=400\n";

class HostFixture extends ProcFixture {
  write(name: string, text: string): this {
    mkdirSync(join(this.root, name, ".."), { recursive: true });
    writeFileSync(join(this.root, name), text);
    return this;
  }

  full(): this {
    return this.write("meminfo", MEMINFO)
      .write("stat", statText(1000, 5000, 100, 10))
      .write("loadavg", "4.50 3.00 1.50 2/345 6789\n")
      .write("pressure/cpu", "some avg10=7.00 avg60=6.00 avg300=5.00 total=123456789\n")
      .write("pressure/memory", PRESSURE_FULL)
      .write("pressure/io", PRESSURE_FULL);
  }
}

let fixture: HostFixture | undefined;
afterEach(() => {
  fixture?.cleanup();
  fixture = undefined;
});

const options = (procRoot: string, cpu: CpuMetrics | null = null) => ({
  procRoot,
  now: () => 1_790_000_000_000,
  mounts: [] as string[],
  statfsTimeoutMs: 5000,
  cpu,
});

describe("readHostMetrics on a fixture /proc", () => {
  it("reads memory, swap, load, pressure, and passes the caller's cpu through", async () => {
    fixture = new HostFixture().full();
    const cpu: CpuMetrics = {
      busyPercent: 42,
      iowaitPercent: 1,
      stealPercent: 0,
      source: "previous-run",
      intervalMs: 3_600_000,
      cores: 3,
    };
    const host = await readHostMetrics({ ...options(fixture.root, cpu), mounts: [fixture.root] });
    expect(host.takenAtMs).toBe(1_790_000_000_000);
    expect(host.memory).toEqual({
      totalBytes: 16 * 2 ** 30,
      availableBytes: 4 * 2 ** 30,
      usedPercent: 75,
    });
    expect(host.swap).toEqual({
      totalBytes: 2 * 2 ** 30,
      freeBytes: 1.5 * 2 ** 30,
      usedPercent: 25,
    });
    expect(host.cpu).toBe(cpu);
    // Three cpuN lines in the fixture's stat, whatever this machine has.
    expect(host.load).toEqual({ load1: 4.5, load5: 3, load15: 1.5, cores: 3, perCore1: 1.5 });
    expect(host.pressure.cpu).toEqual({
      some: { avg10: 7, avg60: 6, avg300: 5, totalUs: 123456789 },
    });
    expect(host.pressure.memory!.full).toEqual({
      avg10: 0.5,
      avg60: 0.25,
      avg300: 0.1,
      totalUs: 400,
    });
    expect(host.pressure.io!.some.avg300).toBe(3.5);
    expect(host.disks).toHaveLength(1);
    expect(host.disks[0]).toMatchObject({ mount: fixture.root, status: "ok" });
    expect(host.readMs).toBeGreaterThanOrEqual(0);
  });

  it("gives null pressure on a kernel without PSI", async () => {
    fixture = new HostFixture().full();
    rmSync(join(fixture.root, "pressure"), { recursive: true });
    const host = await readHostMetrics(options(fixture.root));
    expect(host.pressure).toEqual({ cpu: null, memory: null, io: null });
    expect(host.memory!.usedPercent).toBe(75);
  });

  it("goes on without meminfo, stat or loadavg: those metrics are null, the rest is read", async () => {
    fixture = new HostFixture().write("pressure/io", PRESSURE_FULL);
    const host = await readHostMetrics(options(fixture.root));
    expect(host.memory).toBeNull();
    expect(host.swap).toBeNull();
    expect(host.load).toBeNull();
    expect(host.cpu).toBeNull();
    expect(host.pressure.io!.full!.totalUs).toBe(400);
    expect(host.pressure.cpu).toBeNull();
  });

  it("gives null, not NaN, for files it cannot parse; load falls back to this machine's CPUs", async () => {
    fixture = new HostFixture()
      .write("meminfo", "garbage\n")
      .write("loadavg", "2.00 1.00 0.50 1/2 3\n")
      .write("pressure/cpu", "\0\0\0");
    const host = await readHostMetrics(options(fixture.root));
    expect(host.memory).toBeNull();
    expect(host.pressure.cpu).toBeNull();
    expect(host.load).toMatchObject({ load1: 2, cores: availableParallelism() });
  });

  it("a directory where a file should be is null too (EISDIR), not an error", async () => {
    fixture = new HostFixture().full();
    rmSync(join(fixture.root, "meminfo"));
    mkdirSync(join(fixture.root, "meminfo"));
    const host = await readHostMetrics(options(fixture.root));
    expect(host.memory).toBeNull();
    expect(host.load!.cores).toBe(3);
  });
});

describe("readCpuCounters and sampleCpu on a fixture /proc", () => {
  it("reads the counters and counts the cpuN lines", () => {
    fixture = new HostFixture().full();
    expect(readCpuCounters(fixture.root)).toEqual({
      counters: {
        user: 1000,
        nice: 0,
        system: 0,
        idle: 5000,
        iowait: 100,
        irq: 0,
        softirq: 0,
        steal: 10,
        total: 6110,
      },
      cores: 3,
    });
    expect(readCpuCounters(join(fixture.root, "missing"))).toBeNull();
  });

  it("samples over the sleep: 80 % busy, 5 % iowait, 2 % steal", async () => {
    fixture = new HostFixture().full();
    const root = fixture.root;
    const slept: number[] = [];
    const cpu = await sampleCpu(root, 250, async (ms) => {
      slept.push(ms);
      // 1000 ticks pass: 780 user, 150 idle, 50 iowait, 20 steal.
      writeFileSync(join(root, "stat"), statText(1780, 5150, 150, 30));
    });
    expect(slept).toEqual([250]);
    expect(cpu).toMatchObject({
      busyPercent: 80,
      iowaitPercent: 5,
      stealPercent: 2,
      source: "sample",
      cores: 3,
    });
    expect(cpu!.intervalMs).toBeGreaterThanOrEqual(0);
  });

  it("gives null when no tick passed or /proc/stat disappears", async () => {
    fixture = new HostFixture().full();
    const root = fixture.root;
    expect(await sampleCpu(root, 10, async () => {})).toBeNull();
    expect(await sampleCpu(root, 10, async () => rmSync(join(root, "stat")))).toBeNull();
    expect(await sampleCpu(root, 10)).toBeNull();
  });
});

describe("on this host's real /proc", () => {
  it("reads sane host metrics", async () => {
    const host = await readHostMetrics({
      procRoot: "/proc",
      now: Date.now,
      mounts: ["/"],
      statfsTimeoutMs: 5000,
      cpu: null,
    });
    const meminfo = readFileSync("/proc/meminfo", "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(meminfo)![1]);

    expect(host.memory!.totalBytes).toBe(kb("MemTotal") * 1024);
    expect(host.memory!.availableBytes).toBeGreaterThan(0);
    expect(host.memory!.availableBytes).toBeLessThanOrEqual(host.memory!.totalBytes);
    expect(host.swap!.totalBytes).toBe(kb("SwapTotal") * 1024);
    for (const percent of [host.memory!.usedPercent, host.swap!.usedPercent]) {
      expect(percent).toBeGreaterThanOrEqual(0);
      expect(percent).toBeLessThanOrEqual(100);
    }

    const cpuLines = readFileSync("/proc/stat", "utf8").match(/^cpu\d+ /gm)!.length;
    expect([availableParallelism(), cpuLines]).toContain(host.load!.cores);
    expect(host.load!.load1).toBeGreaterThanOrEqual(0);
    expect(host.load!.perCore1).toBeCloseTo(host.load!.load1 / host.load!.cores, 10);

    for (const resource of ["cpu", "memory", "io"] as const) {
      let psi = true;
      try {
        readFileSync(`/proc/pressure/${resource}`);
      } catch {
        psi = false;
      }
      const pressure = host.pressure[resource];
      expect(pressure !== null).toBe(psi);
      if (pressure) {
        expect(pressure.some.avg10).toBeGreaterThanOrEqual(0);
        expect(pressure.some.avg10).toBeLessThanOrEqual(100);
      }
    }

    expect(host.disks).toHaveLength(1);
    const root = host.disks[0]!;
    expect(root).toMatchObject({ mount: "/", status: "ok" });
    // The same statfs(2) through another door (safe here: "/" answers).
    const direct = statfsSync("/");
    expect(root.totalBytes).toBe(direct.blocks * direct.bsize);
    expect(root.inodesTotal).toBe(direct.files);
    expect(root.totalBytes).toBeGreaterThan(0);
    expect(root.availableBytes).toBeLessThanOrEqual(root.totalBytes!);
    for (const percent of [root.usedPercent!, root.inodesUsedPercent!]) {
      expect(percent).toBeGreaterThan(0);
      expect(percent).toBeLessThan(100);
    }
    expect(host.readMs).toBeGreaterThan(0);
    expect(host.readMs).toBeLessThan(5000);
  });

  it("samples the real CPU over 100 ms", async () => {
    const cpu = await sampleCpu("/proc", 100);
    expect(cpu).not.toBeNull();
    expect(cpu!.source).toBe("sample");
    expect(cpu!.busyPercent).toBeGreaterThanOrEqual(0);
    expect(cpu!.busyPercent).toBeLessThanOrEqual(100);
    expect(cpu!.iowaitPercent + cpu!.busyPercent).toBeLessThanOrEqual(100.000001);
    expect(cpu!.intervalMs).toBeGreaterThanOrEqual(95);
    expect(cpu!.cores).toBe(readCpuCounters("/proc")!.cores);
  });

  it("reports a mount that does not exist as unknown, with the reason, and goes on", async () => {
    const [missing, root] = await readDisks(["/nonexistent-cleanup-mount", "/"], 5000);
    expect(missing).toEqual({
      mount: "/nonexistent-cleanup-mount",
      status: "unknown",
      error: expect.stringMatching(/no such file or directory/i),
    });
    expect(root).toMatchObject({ mount: "/", status: "ok" });
  });
});
