import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  parseAuxv,
  parseCmdline,
  parsePasswd,
  parseStatusUids,
  parseUptime,
} from "../../../src/scan/parse-misc.js";
import { parseStartTicks, parseStat, parseStatBytes } from "../../../src/scan/parse-stat.js";

const PF_KTHREAD = 0x00200000;

interface StatInput {
  pid?: number;
  comm?: string;
  state?: string;
  ppid?: number;
  pgid?: number;
  sid?: number;
  flags?: number;
  utime?: number;
  stime?: number;
  threads?: number;
  start?: number;
  rss?: number;
}

/**
 * A /proc/PID/stat line with all 52 fields (proc(5)), as the kernel writes it: "pid (comm) state …"
 * and a trailing newline. Fields not given get a distinct value (1000 + field number) so a parser
 * reading the wrong field is caught.
 */
function statLine(input: StatInput = {}): string {
  const fields: string[] = [];
  for (let n = 1; n <= 52; n++) fields.push(String(1000 + n));
  const set = (n: number, value: string | number | undefined) => {
    if (value !== undefined) fields[n - 1] = String(value);
  };
  set(1, input.pid ?? 4242);
  fields[1] = `(${input.comm ?? "python3"})`;
  set(3, input.state ?? "S");
  set(4, input.ppid ?? 1);
  set(5, input.pgid);
  set(6, input.sid);
  set(9, input.flags ?? 0x400140);
  set(14, input.utime);
  set(15, input.stime);
  set(20, input.threads);
  set(22, input.start);
  set(24, input.rss);
  expect(fields).toHaveLength(52);
  return `${fields.join(" ")}\n`;
}

describe("parseStat", () => {
  it("reads every field from a realistic line", () => {
    const text = statLine({
      pid: 31337,
      comm: "python3",
      state: "S",
      ppid: 1,
      pgid: 31000,
      sid: 30999,
      flags: 0x400140,
      utime: 1234,
      stime: 567,
      threads: 3,
      start: 98_765_432,
      rss: 20_480,
    });
    expect(parseStat(text)).toEqual({
      pid: 31337,
      comm: "python3",
      state: "S",
      ppid: 1,
      pgid: 31000,
      sid: 30999,
      flags: 0x400140,
      utimeTicks: 1234,
      stimeTicks: 567,
      threads: 3,
      startTicks: 98_765_432,
      rssPages: 20_480,
      kernelThread: false,
    });
  });

  it("reads fields by their proc(5) number when not set by name", () => {
    const fields = parseStat(statLine());
    expect(fields).toMatchObject({
      pgid: 1005,
      sid: 1006,
      utimeTicks: 1014,
      stimeTicks: 1015,
      threads: 1020,
      startTicks: 1022,
      rssPages: 1024,
    });
  });

  it("parses a line copied from a real host", () => {
    const text =
      "26243 (cat) R 26241 26241 23288 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 102204 3133440 408 " +
      "18446744073709551615 94882374193152 94882374213033 140721677339584 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 " +
      "94882374229040 94882374230656 94882409218048 140721677343251 140721677343271 140721677343271 " +
      "140721677344747 0\n";
    expect(parseStat(text)).toMatchObject({
      pid: 26243,
      comm: "cat",
      state: "R",
      ppid: 26241,
      pgid: 26241,
      sid: 23288,
      flags: 4194304,
      startTicks: 102204,
      rssPages: 408,
      kernelThread: false,
    });
  });

  it("parses this test process's own /proc/self/stat", () => {
    const fields = parseStat(readFileSync("/proc/self/stat", "utf8"));
    expect(fields).not.toBeNull();
    expect(fields?.pid).toBe(process.pid);
    expect(fields?.ppid).toBe(process.ppid);
    expect(fields?.kernelThread).toBe(false);
    expect(fields?.startTicks).toBeGreaterThan(0);
    expect(fields?.rssPages).toBeGreaterThan(0);
  });

  describe("hostile names", () => {
    it("takes the name up to the LAST ')': `foo) Z 1 (bar`", () => {
      const fields = parseStat(
        statLine({ comm: "foo) Z 1 (bar", state: "S", ppid: 777, start: 5555, rss: 66 }),
      );
      expect(fields).toMatchObject({
        comm: "foo) Z 1 (bar",
        state: "S",
        ppid: 777,
        startTicks: 5555,
        rssPages: 66,
        kernelThread: false,
      });
    });

    it.each([
      "a b",
      ")",
      "(",
      "()",
      ") R 2 ",
      "x) S 2 1 1 1 0",
      "",
      " ",
      "name\nwith nl",
      "((((((((((((((( ",
    ])("keeps %j as the name and reads the fields after it", (comm) => {
      const fields = parseStat(statLine({ pid: 900, comm, state: "T", ppid: 55, start: 4321 }));
      expect(fields).toMatchObject({ pid: 900, comm, state: "T", ppid: 55, startTicks: 4321 });
      // Nothing inside the name may make it look like a kernel thread (ppid 2) or change its age.
      expect(fields?.kernelThread).toBe(false);
    });
  });

  describe("kernel threads", () => {
    it("flags PF_KTHREAD as a kernel thread", () => {
      const fields = parseStat(
        statLine({ pid: 123, comm: "kworker/0:1-events", ppid: 0, state: "I", flags: 0x4208060 }),
      );
      expect((fields?.flags ?? 0) & PF_KTHREAD).toBe(PF_KTHREAD);
      expect(fields?.kernelThread).toBe(true);
    });

    it("flags kthreadd (pid 2) by its PF_KTHREAD, as the kernel writes it", () => {
      expect(
        parseStat(statLine({ pid: 2, comm: "kthreadd", ppid: 0, flags: 0x208040 }))?.kernelThread,
      ).toBe(true);
    });

    it("takes pid 2 and its children without PF_KTHREAD for ordinary processes (a pid namespace)", () => {
      // In a container's pid namespace pid 2 is whatever its init started second.
      expect(
        parseStat(statLine({ pid: 2, comm: "python3", ppid: 1, flags: 0x400140 }))?.kernelThread,
      ).toBe(false);
      expect(parseStat(statLine({ pid: 7, ppid: 2, flags: 0x400140 }))?.kernelThread).toBe(false);
    });

    it("does not flag a user process whose flags lack PF_KTHREAD", () => {
      expect(parseStat(statLine({ ppid: 1, flags: 0x400140 }))?.kernelThread).toBe(false);
      expect(parseStat(statLine({ ppid: 3, flags: PF_KTHREAD >> 1 }))?.kernelThread).toBe(false);
    });
  });

  describe("garbage", () => {
    it.each([
      ["empty", ""],
      ["no parentheses", "hello world"],
      ["closing before opening", "1 )x( S 1 2 3"],
      ["truncated after the name", "123 (bash) S 1 123 123 0 -1 4194560"],
      ["no pid", `abc ${statLine().slice(statLine().indexOf("("))}`],
    ])("returns null for %s", (_label, text) => {
      expect(parseStat(text)).toBeNull();
    });
  });

  describe("from the bytes read (parseStatBytes)", () => {
    /** Deterministic pseudo-random bytes: the same cases every run. */
    function* random(seed: number): Generator<number> {
      let x = seed;
      for (;;) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        yield x;
      }
    }
    // Bytes that matter to the parser, and bytes that are not UTF-8 on their own.
    const ALPHABET = [
      0x20, 0x28, 0x29, 0x2d, 0x30, 0x37, 0x0a, 0x00, 0x41, 0x80, 0xbf, 0xc3, 0xe2, 0x82, 0xf0,
      0x9f, 0xff,
    ];

    it("gives parseStat's fields for the same bytes, hostile or broken", () => {
      const line = Buffer.from(statLine({ pid: 900, comm: "x", ppid: 55, start: 4321 }));
      const open = line.indexOf("(");
      const close = line.lastIndexOf(")");
      const rnd = random(42);
      const next = (n: number) => (rnd.next().value as number) % n;
      const bytes = (n: number) =>
        Buffer.from(
          Array.from({ length: n }, () =>
            next(4) === 0 ? next(256) : ALPHABET[next(ALPHABET.length)]!,
          ),
        );
      for (let i = 0; i < 20_000; i++) {
        let input: Buffer;
        if (i % 3 === 0) {
          // A hostile name: any bytes, cut mid-character as the kernel cuts at 15 bytes.
          input = Buffer.concat([
            line.subarray(0, open + 1),
            bytes(next(20)),
            line.subarray(close),
          ]);
        } else if (i % 3 === 1) {
          input = Buffer.from(line);
          for (let k = 0; k < 3; k++) input[next(input.length)] = ALPHABET[next(ALPHABET.length)]!;
        } else input = bytes(next(60));
        // The buffer goes on past the file (the shared buffer holds an earlier, longer file).
        const shared = Buffer.concat([
          input,
          Buffer.from(") R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22"),
        ]);
        expect(parseStatBytes(shared, input.length)).toEqual(parseStat(input.toString("utf8")));
      }
    });

    it("decodes the name's bytes as UTF-8, a cut character as U+FFFD", () => {
      const text = statLine({ comm: "caf\u00e9-\u4e16\u754c", ppid: 7 });
      const bytes = Buffer.from(text);
      expect(parseStatBytes(bytes, bytes.length)).toMatchObject({
        comm: "caf\u00e9-\u4e16\u754c",
        ppid: 7,
      });
      const cut = Buffer.concat([
        Buffer.from("12 (ab\xe4\xb8", "latin1"),
        Buffer.from(text.slice(text.indexOf(")"))),
      ]);
      expect(parseStatBytes(cut, cut.length)?.comm).toBe("ab\ufffd");
    });
  });

  it("parseStartTicks returns field 22, or null for garbage", () => {
    expect(parseStartTicks(statLine({ comm: "a) S 1 2 3", start: 24_680 }))).toBe(24_680);
    expect(parseStartTicks("nonsense")).toBeNull();
  });
});

describe("parseCmdline", () => {
  it("splits on NUL and drops the trailing one", () => {
    expect(parseCmdline("a\0b c\0")).toEqual(["a", "b c"]);
  });

  it("returns no arguments for an empty file (zombie, kernel thread)", () => {
    expect(parseCmdline("")).toEqual([]);
  });

  it("keeps empty arguments", () => {
    expect(parseCmdline("printf\0\0x\0")).toEqual(["printf", "", "x"]);
  });

  it("handles a process that rewrote its argv without a trailing NUL", () => {
    expect(parseCmdline("nginx: worker process")).toEqual(["nginx: worker process"]);
  });

  it("reads a Python multiprocessing child's argv", () => {
    const argv = parseCmdline(
      "/usr/bin/python3\0-B\0-c\0from multiprocessing.resource_tracker import main;main(5)\0",
    );
    expect(argv).toEqual([
      "/usr/bin/python3",
      "-B",
      "-c",
      "from multiprocessing.resource_tracker import main;main(5)",
    ]);
  });
});

describe("parseStatusUids", () => {
  const status = (uidLine: string) =>
    [
      "Name:\tpython3",
      "Umask:\t0022",
      "State:\tS (sleeping)",
      "Tgid:\t4242",
      "Pid:\t4242",
      "PPid:\t1",
      "TracerPid:\t0",
      uidLine,
      "Gid:\t100\t100\t100\t100",
      "FDSize:\t64",
      "",
    ].join("\n");

  it("returns [real, effective, saved, fs]", () => {
    expect(parseStatusUids(status("Uid:\t1000\t1001\t1002\t1003"))).toEqual([
      1000, 1001, 1002, 1003,
    ]);
  });

  it("reads the Uid line, not the Gid line", () => {
    expect(parseStatusUids(status("Uid:\t0\t0\t0\t0"))).toEqual([0, 0, 0, 0]);
  });

  it("reads a Uid line at the very end without a newline", () => {
    expect(parseStatusUids("Name:\tx\nUid:\t5\t6\t7\t8")).toEqual([5, 6, 7, 8]);
  });

  it.each([
    ["no Uid line", "Name:\tx\nGid:\t1\t1\t1\t1\n"],
    ["three numbers", "Name:\tx\nUid:\t1\t2\t3\n"],
    ["not numbers", "Name:\tx\nUid:\ta\tb\tc\td\n"],
  ])("returns null for %s", (_label, text) => {
    expect(parseStatusUids(text)).toBeNull();
  });
});

describe("parseUptime", () => {
  it("returns the first number of /proc/uptime, in seconds", () => {
    expect(parseUptime("350735.47 234388.90\n")).toBe(350735.47);
  });

  it("reads this host's /proc/uptime", () => {
    expect(parseUptime(readFileSync("/proc/uptime", "utf8"))).toBeGreaterThan(0);
  });

  it("returns null for garbage", () => {
    expect(parseUptime("up 3 days")).toBeNull();
  });

  // Number("") and Number("\n") are 0: an empty read must not become "booted 0 s ago".
  it("returns null for an empty or blank file", () => {
    expect(parseUptime("")).toBeNull();
    expect(parseUptime("\n")).toBeNull();
  });
});

describe("parsePasswd", () => {
  it("maps uids to names", () => {
    const users = parsePasswd(
      [
        "root:x:0:0:root:/root:/bin/bash",
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
        "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin",
        "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash",
        "",
      ].join("\n"),
    );
    expect(users).toEqual(
      new Map([
        [0, "root"],
        [1, "daemon"],
        [33, "www-data"],
        [1000, "alice"],
      ]),
    );
  });

  it("keeps the first name of a shared uid and skips malformed lines", () => {
    const users = parsePasswd(
      [
        "# a comment",
        "toor:x:0:0::/root:/bin/sh",
        "root:x:0:0:root:/root:/bin/bash",
        "broken-line",
        "nouid:x::1:::",
        "bad:x:12a:1:::",
        ":x:5:5:::",
        "bob:x:1001:1001::/home/bob:/bin/sh",
      ].join("\n"),
    );
    expect([...users.entries()]).toEqual([
      [0, "toor"],
      [1001, "bob"],
    ]);
  });

  it("returns an empty map for an empty file", () => {
    expect(parsePasswd("").size).toBe(0);
  });
});

describe("parseAuxv", () => {
  const AT_NULL = 0;
  const AT_PAGESZ = 6;
  const AT_HWCAP = 16;
  const AT_CLKTCK = 17;
  const AT_SYSINFO_EHDR = 33;

  /** /proc/PID/auxv on a 64-bit little-endian host: (type, value) pairs of u64. */
  function auxv(pairs: [number, bigint | number][]): Buffer {
    const buffer = Buffer.alloc(pairs.length * 16);
    pairs.forEach(([type, value], i) => {
      buffer.writeBigUInt64LE(BigInt(type), i * 16);
      buffer.writeBigUInt64LE(BigInt(value), i * 16 + 8);
    });
    return buffer;
  }

  it("reads CLK_TCK and the page size", () => {
    const buffer = auxv([
      [AT_SYSINFO_EHDR, 0x7ffd_1234_5000n],
      [AT_HWCAP, 0x178bfbff],
      [AT_PAGESZ, 4096],
      [AT_CLKTCK, 100],
      [AT_NULL, 0],
    ]);
    expect(parseAuxv(buffer)).toEqual({ clockTicks: 100, pageSize: 4096 });
  });

  it("stops at the AT_NULL terminator", () => {
    const buffer = auxv([
      [AT_PAGESZ, 16384],
      [AT_NULL, 0],
      [AT_CLKTCK, 250],
    ]);
    expect(parseAuxv(buffer)).toEqual({ pageSize: 16384 });
  });

  it("ignores a truncated trailing pair", () => {
    const buffer = Buffer.concat([auxv([[AT_CLKTCK, 100]]), Buffer.alloc(8, 0xff)]);
    expect(parseAuxv(buffer)).toEqual({ clockTicks: 100 });
  });

  it("returns nothing for an empty buffer", () => {
    expect(parseAuxv(Buffer.alloc(0))).toEqual({});
  });

  it("reads this process's own auxv", () => {
    const values = parseAuxv(readFileSync("/proc/self/auxv"));
    expect(values.clockTicks).toBeGreaterThan(0);
    expect([4096, 16384, 65536]).toContain(values.pageSize);
  });
});
