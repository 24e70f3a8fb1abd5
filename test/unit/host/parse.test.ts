// The host-metric parsers on the kernel's own formats (copied from a Linux 6.x host) and on what
// the kernel never writes but a fixture or a container's faked /proc might.
import { describe, expect, it } from "vitest";
import {
  countCores,
  cpuPercent,
  parseCpuCounters,
  parseLoadavg,
  parseMeminfo,
  parsePressure,
} from "../../../src/host/parse.js";
import { parseStatfsOutput } from "../../../src/host/statfs.js";
import type { CpuCounters } from "../../../src/host/types.js";

// A real /proc/meminfo (Linux 6.18, 24 GiB VM, no swap).
const REAL_MEMINFO = `MemTotal:       24684084 kB
MemFree:        24334008 kB
MemAvailable:   24310468 kB
Buffers:            1960 kB
Cached:           180644 kB
SwapCached:            0 kB
Active:           113648 kB
Inactive:          64432 kB
Active(anon):       1912 kB
Inactive(anon):     2844 kB
Active(file):     111736 kB
Inactive(file):    61588 kB
Unevictable:       12000 kB
Mlocked:           11004 kB
SwapTotal:             0 kB
SwapFree:              0 kB
Zswap:                 0 kB
Zswapped:              0 kB
Dirty:               160 kB
Writeback:             0 kB
AnonPages:          7584 kB
Mapped:            10692 kB
Shmem:              9280 kB
KReclaimable:      33008 kB
Slab:              59532 kB
SReclaimable:      33008 kB
SUnreclaim:        26524 kB
KernelStack:        1272 kB
PageTables:         1800 kB
CommitLimit:    12342040 kB
Committed_AS:      51480 kB
VmallocTotal:   34359738367 kB
VmallocUsed:       14044 kB
VmallocChunk:          0 kB
HugePages_Total:       0
HugePages_Free:        0
HugePages_Rsvd:        0
HugePages_Surp:        0
Hugepagesize:       2048 kB
DirectMap4k:       30720 kB
DirectMap2M:     2066432 kB
DirectMap1G:    25165824 kB
`;

/** A meminfo in the kernel's layout, with the given values (kB) and some unrelated lines. */
function meminfo(values: Record<string, number>): string {
  const lines = Object.entries(values).map(
    ([key, kb]) => `${`${key}:`.padEnd(16)}${String(kb).padStart(8)} kB`,
  );
  return [...lines, "Shmem:              9280 kB", "HugePages_Total:       0", ""].join("\n");
}

const MIB_KB = 1024;
const GIB_KB = 1024 * 1024;

describe("parseMeminfo", () => {
  it("reads a real meminfo: bytes from kB, used from MemAvailable, no swap", () => {
    const { memory, swap } = parseMeminfo(REAL_MEMINFO);
    expect(memory).toEqual({
      totalBytes: 24684084 * 1024,
      availableBytes: 24310468 * 1024,
      usedPercent: (100 * (24684084 - 24310468)) / 24684084,
    });
    expect(memory!.usedPercent).toBeCloseTo(1.5136, 3);
    expect(swap).toEqual({ totalBytes: 0, freeBytes: 0, usedPercent: 0 });
  });

  it("is exactly 75 % used when a quarter is available, and exactly 85 % at 15 %", () => {
    const quarter = parseMeminfo(
      meminfo({
        MemTotal: 16 * GIB_KB,
        MemFree: 1 * GIB_KB,
        MemAvailable: 4 * GIB_KB,
        Buffers: 100 * MIB_KB,
        Cached: 3 * GIB_KB,
        SwapTotal: 2 * GIB_KB,
        SwapFree: 2 * GIB_KB,
      }),
    );
    expect(quarter.memory).toEqual({
      totalBytes: 16 * 2 ** 30,
      availableBytes: 4 * 2 ** 30,
      usedPercent: 75,
    });
    // 20,000,000 kB is not a power of two: 0.85 × 100 would be 85.00000000000001 in floating
    // point if the division came first.
    const fifteen = parseMeminfo(
      meminfo({ MemTotal: 20_000_000, MemFree: 1_000_000, MemAvailable: 3_000_000 }),
    );
    expect(fifteen.memory!.usedPercent).toBe(85);
    expect(fifteen.memory!.availableBytes).toBe(3_000_000 * 1024);
  });

  it("reads swap in use", () => {
    const { swap } = parseMeminfo(
      meminfo({
        MemTotal: 8 * GIB_KB,
        MemAvailable: 6 * GIB_KB,
        SwapTotal: 4 * GIB_KB,
        SwapFree: GIB_KB,
      }),
    );
    expect(swap).toEqual({ totalBytes: 4 * 2 ** 30, freeBytes: 2 ** 30, usedPercent: 75 });
  });

  it("estimates available as MemFree + Buffers + Cached on kernels before 3.14", () => {
    const { memory } = parseMeminfo(
      meminfo({
        MemTotal: 1_000_000,
        MemFree: 100_000,
        Buffers: 50_000,
        Cached: 250_000,
        SwapTotal: 0,
        SwapFree: 0,
      }),
    );
    expect(memory).toEqual({
      totalBytes: 1_000_000 * 1024,
      availableBytes: 400_000 * 1024,
      usedPercent: 60,
    });
  });

  it("never reports more available than the total (negative usage)", () => {
    const { memory } = parseMeminfo(meminfo({ MemTotal: 1000, MemAvailable: 1500 }));
    expect(memory).toMatchObject({ availableBytes: 1000 * 1024, usedPercent: 0 });
  });

  it("gives null for what it cannot read, each part on its own", () => {
    expect(parseMeminfo("")).toEqual({ memory: null, swap: null });
    expect(parseMeminfo("not meminfo at all\n\0\0")).toEqual({ memory: null, swap: null });
    expect(parseMeminfo(meminfo({ MemTotal: 0, MemAvailable: 0 })).memory).toBeNull();
    expect(parseMeminfo(meminfo({ MemTotal: 1000 })).memory).toBeNull(); // nothing to estimate from
    expect(parseMeminfo("MemTotal: lots kB\nMemAvailable: 5 kB\n").memory).toBeNull();
    // Swap lines missing (a container's partial meminfo): memory still there, swap unknown.
    const partial = parseMeminfo(meminfo({ MemTotal: 1000, MemAvailable: 500 }));
    expect(partial.memory!.usedPercent).toBe(50);
    expect(partial.swap).toBeNull();
  });
});

// A real /proc/stat (2 CPUs), without the long intr line.
const REAL_STAT = `cpu  67938 0 66768 436433 469 0 198 68 0 0
cpu0 32262 0 32831 220672 57 0 69 33 0 0
cpu1 35676 0 33937 215761 412 0 129 35 0 0
intr 1245810 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 15 0 0
ctxt 2990043
btime 1795455727
processes 201598
procs_running 1
procs_blocked 0
softirq 809864 0 113333 5 15661 54667 0 3 197942 0 428253
`;

/** A /proc/stat with the given aggregate counters and `cores` per-CPU lines. */
function stat(c: Omit<CpuCounters, "total">, cores = 4, guest = 0): string {
  const fields = (k: Omit<CpuCounters, "total">) =>
    [k.user, k.nice, k.system, k.idle, k.iowait, k.irq, k.softirq, k.steal, guest, 0].join(" ");
  const perCpu = Array.from({ length: cores }, (_, i) => `cpu${i} ${fields(c)}`);
  return [`cpu  ${fields(c)}`, ...perCpu, "ctxt 2990043", "btime 1795455727", ""].join("\n");
}

const BASE = {
  user: 10_000,
  nice: 100,
  system: 5_000,
  idle: 80_000,
  iowait: 2_000,
  irq: 0,
  softirq: 300,
  steal: 600,
};

describe("parseCpuCounters and countCores", () => {
  it("reads the aggregate line of a real /proc/stat", () => {
    expect(parseCpuCounters(REAL_STAT)).toEqual({
      user: 67938,
      nice: 0,
      system: 66768,
      idle: 436433,
      iowait: 469,
      irq: 0,
      softirq: 198,
      steal: 68,
      total: 67938 + 66768 + 436433 + 469 + 198 + 68,
    });
    expect(countCores(REAL_STAT)).toBe(2);
  });

  it("leaves guest time out of the total (it is already inside user)", () => {
    const counters = parseCpuCounters(stat(BASE, 4, 7_777))!;
    expect(counters.total).toBe(10_000 + 100 + 5_000 + 80_000 + 2_000 + 0 + 300 + 600);
    expect(countCores(stat(BASE, 4))).toBe(4);
    expect(countCores(stat(BASE, 64))).toBe(64);
  });

  it("gives null without an aggregate line or with a short or non-numeric one", () => {
    expect(parseCpuCounters("")).toBeNull();
    expect(parseCpuCounters("cpu0 1 2 3 4 5 6 7 8 0 0\n")).toBeNull(); // per-CPU only
    expect(parseCpuCounters("cpu  1 2 3 4\n")).toBeNull(); // pre-2.6.11: no steal
    expect(parseCpuCounters("cpu  1 2 3 x 5 6 7 8 0 0\n")).toBeNull();
    expect(parseCpuCounters("cpu  1 2 3 -4 5 6 7 8 0 0\n")).toBeNull();
    expect(countCores("")).toBe(0);
  });
});

describe("cpuPercent", () => {
  const before = parseCpuCounters(stat(BASE))!;
  const after = (delta: Partial<Omit<CpuCounters, "total">>): CpuCounters => {
    const fields = { ...BASE };
    for (const [key, value] of Object.entries(delta)) fields[key as keyof typeof BASE] += value;
    return parseCpuCounters(stat(fields))!;
  };

  it("is 80 % busy over 1000 ticks of which 150 idle and 50 iowait", () => {
    const now = after({ user: 500, system: 200, idle: 150, iowait: 50, softirq: 70, steal: 30 });
    expect(now.total - before.total).toBe(1000);
    expect(cpuPercent(before, now)).toEqual({
      busyPercent: 80,
      iowaitPercent: 5,
      stealPercent: 3,
    });
  });

  it("is 90 % busy with 10 % stolen by the hypervisor", () => {
    const now = after({
      user: 1_200,
      nice: 20,
      system: 280,
      idle: 100,
      iowait: 100,
      steal: 200,
      irq: 100,
    });
    expect(now.total - before.total).toBe(2000);
    expect(cpuPercent(before, now)).toEqual({
      busyPercent: 90,
      iowaitPercent: 5,
      stealPercent: 10,
    });
  });

  it("is 0 % on an idle host and 100 % on a saturated one", () => {
    expect(cpuPercent(before, after({ idle: 400 }))!.busyPercent).toBe(0);
    expect(cpuPercent(before, after({ user: 300, system: 100 }))!.busyPercent).toBe(100);
  });

  it("gives null when the counters did not advance or went backwards (a reboot)", () => {
    expect(cpuPercent(before, before)).toBeNull();
    expect(
      cpuPercent(before, parseCpuCounters(stat({ ...BASE, user: 10, idle: 500 }))!),
    ).toBeNull();
  });

  it("stays within 0–100 when iowait goes backwards, as proc(5) says it may", () => {
    const now = after({ user: 100, idle: 100, iowait: -50 });
    const percent = cpuPercent(before, now)!;
    expect(percent.iowaitPercent).toBe(0);
    expect(percent.busyPercent).toBeGreaterThanOrEqual(0);
    expect(percent.busyPercent).toBeLessThanOrEqual(100);
  });
});

describe("parseLoadavg", () => {
  it("reads the three averages and divides the 1-minute one by the cores", () => {
    expect(parseLoadavg("0.98 4.18 10.58 1/82 5634\n", 2)).toEqual({
      load1: 0.98,
      load5: 4.18,
      load15: 10.58,
      cores: 2,
      perCore1: 0.49,
    });
    expect(parseLoadavg("24.00 12.50 3.00 25/1200 99999\n", 8)!.perCore1).toBe(3);
  });

  it("gives null on garbage, a short line or no known core count", () => {
    expect(parseLoadavg("", 2)).toBeNull();
    expect(parseLoadavg("0.98 4.18\n", 2)).toBeNull();
    expect(parseLoadavg("high medium low 1/82 5634\n", 2)).toBeNull();
    expect(parseLoadavg("0.98 4.18 10.58 1/82 5634\n", 0)).toBeNull();
    expect(parseLoadavg("0.98 4.18 10.58 1/82 5634\n", NaN)).toBeNull();
  });
});

describe("parsePressure", () => {
  it("reads some and full (memory, io, and cpu since Linux 5.13)", () => {
    const text =
      "some avg10=0.50 avg60=3.72 avg300=9.35 total=270285152\n" +
      "full avg10=0.12 avg60=0.41 avg300=0.22 total=3344461\n";
    expect(parsePressure(text)).toEqual({
      some: { avg10: 0.5, avg60: 3.72, avg300: 9.35, totalUs: 270285152 },
      full: { avg10: 0.12, avg60: 0.41, avg300: 0.22, totalUs: 3344461 },
    });
  });

  it("reads cpu pressure without a full line (before Linux 5.13)", () => {
    const metrics = parsePressure("some avg10=12.04 avg60=8.00 avg300=1.10 total=987654321\n");
    expect(metrics).toEqual({
      some: { avg10: 12.04, avg60: 8, avg300: 1.1, totalUs: 987654321 },
    });
    expect(metrics).not.toHaveProperty("full");
  });

  it("gives null without a readable some line; drops an unreadable full line", () => {
    expect(parsePressure("")).toBeNull();
    expect(parsePressure("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")).toBeNull();
    expect(parsePressure("some avg10=abc avg60=0.00 avg300=0.00 total=0\n")).toBeNull();
    expect(parsePressure("some avg10=0.00 avg60=0.00 total=0\n")).toBeNull();
    expect(parsePressure("some avg10=1.00 avg60=2.00 avg300=3.00 total=4\nfull garbage\n")).toEqual(
      { some: { avg10: 1, avg60: 2, avg300: 3, totalUs: 4 } },
    );
  });
});

describe("parseStatfsOutput", () => {
  it("reads stat -f output of a real ext4 root, with blocks reserved for root", () => {
    const disk = parseStatfsOutput("/", "66053021 60337003 20881710 4096 16777216 16365690\n");
    const used = 66053021 - 60337003;
    expect(disk).toEqual({
      mount: "/",
      status: "ok",
      totalBytes: 66053021 * 4096,
      availableBytes: 20881710 * 4096,
      usedPercent: (100 * used) / (used + 20881710),
      inodesTotal: 16777216,
      inodesFree: 16365690,
      inodesUsedPercent: (100 * (16777216 - 16365690)) / 16777216,
    });
    // df shows 22 % (it rounds up); the reserved blocks count neither as used nor as available.
    expect(disk.usedPercent).toBeCloseTo(21.49, 2);
  });

  it("counts like df and keeps full precision", () => {
    // 800 used, 150 available to users, 50 reserved: 800 / 950.
    const disk = parseStatfsOutput("/data", "1000 200 150 4096 100 40");
    expect(disk.usedPercent).toBe(80000 / 950);
    expect(disk.usedPercent).not.toBe(84.2);
    expect(disk.inodesUsedPercent).toBe(60);
    expect(parseStatfsOutput("/data", "1000 100 100 1024 100 100").usedPercent).toBe(90);
  });

  it("reports 0 % inodes where the filesystem has no fixed inode count, 0 % of an empty one", () => {
    expect(parseStatfsOutput("/btrfs", "1000 500 500 4096 0 0")).toMatchObject({
      status: "ok",
      inodesUsedPercent: 0,
    });
    expect(parseStatfsOutput("/proc", "0 0 0 4096 0 0")).toMatchObject({
      status: "ok",
      totalBytes: 0,
      usedPercent: 0,
    });
  });

  it("is unknown, with the output in the error, for anything else", () => {
    for (const text of ["", "1000 200 150 4096 100", "1000 200 150 4096 100 40 7", "a b c d e f"]) {
      const disk = parseStatfsOutput("/x", text);
      expect(disk).toMatchObject({ mount: "/x", status: "unknown" });
      expect(disk.error).toContain("unexpected output from stat");
      expect(disk).not.toHaveProperty("usedPercent");
    }
  });
});
