// readFdTargets on a fixture /proc: the targets as text (never followed), in fd order, bounded;
// unknown (null) when the fd directory is unreadable or holds more fds than the limit.
import { spawn } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  OPEN_FILES_LIMIT,
  OVER_LIMIT,
  readFdEntries,
  readFdTargets,
} from "../../../src/scan/fd-targets.js";
import { readSocketInodes } from "../../../src/scan/listeners.js";
import { ProcFixture } from "../../helpers/fixtures.js";

const fixtures: ProcFixture[] = [];
afterEach(() => {
  for (const f of fixtures.splice(0)) f.cleanup();
});

function tree(): ProcFixture {
  const f = new ProcFixture();
  fixtures.push(f);
  return f;
}

/** fd/<n> → target for each pair; the targets need not exist (they are never followed). */
function withFds(f: ProcFixture, pid: number, fds: [number, string][]): void {
  const dir = join(f.root, String(pid), "fd");
  mkdirSync(dir, { recursive: true });
  for (const [fd, target] of fds) symlinkSync(target, join(dir, String(fd)));
}

describe("readFdTargets", () => {
  it("reads each target as text, in fd order, without following it", () => {
    const f = tree().add({ pid: 100, ppid: 1 });
    withFds(f, 100, [
      [10, "/dev/nvidia0"],
      [3, "/dev/null"],
      [4, "socket:[2162860]"],
      [22, "/tmp/w/model.bin (deleted)"],
      [5, "/tmp/evil\nname"],
      [6, "anon_inode:[eventfd]"],
    ]);
    expect(readFdTargets(f.root, 100, OPEN_FILES_LIMIT)).toEqual([
      "/dev/null",
      "socket:[2162860]",
      "/tmp/evil\nname",
      "anon_inode:[eventfd]",
      "/dev/nvidia0",
      "/tmp/w/model.bin (deleted)",
    ]);
  });

  it("is null (unknown) over the limit, a list at it", () => {
    const f = tree().add({ pid: 100, ppid: 1 });
    withFds(
      f,
      100,
      [3, 4, 5, 6].map((fd) => [fd, `/tmp/f${fd}`]),
    );
    expect(readFdTargets(f.root, 100, 4)).toHaveLength(4);
    expect(readFdTargets(f.root, 100, 3)).toBeNull();
  });

  it(`is null for a process holding more than OPEN_FILES_LIMIT (${OPEN_FILES_LIMIT}) fds`, () => {
    const f = tree().add({ pid: 100, ppid: 1 });
    withFds(
      f,
      100,
      Array.from({ length: OPEN_FILES_LIMIT + 1 }, (_, i) => [i, "/dev/null"]),
    );
    expect(readFdTargets(f.root, 100, OPEN_FILES_LIMIT)).toBeNull();
    // The socket reader lists every fd: a busy server's listening socket is still known.
    expect(readSocketInodes(f.root, 100)).toEqual([]);
  });

  it("is null when the fd directory is missing or not a directory", () => {
    const f = tree().add({ pid: 100, ppid: 1 }).add({ pid: 101, ppid: 1 });
    writeFileSync(join(f.root, "101", "fd"), "");
    expect(readFdTargets(f.root, 100, OPEN_FILES_LIMIT)).toBeNull();
    expect(readFdTargets(f.root, 101, OPEN_FILES_LIMIT)).toBeNull();
    expect(readFdTargets(f.root, 999, OPEN_FILES_LIMIT)).toBeNull();
  });

  // Root reads any directory whatever its mode: the EACCES of another user's fds only shows
  // as non-root.
  it.skipIf(process.getuid?.() === 0)("is null when the fd directory is EACCES", () => {
    const f = tree().add({ pid: 100, ppid: 1 });
    withFds(f, 100, [[3, "/dev/nvidia0"]]);
    chmodSync(join(f.root, "100", "fd"), 0o000);
    try {
      expect(readFdTargets(f.root, 100, OPEN_FILES_LIMIT)).toBeNull();
    } finally {
      chmodSync(join(f.root, "100", "fd"), 0o700);
    }
  });

  it("an empty fd directory is a known empty list", () => {
    const f = tree().add({ pid: 100, ppid: 1 });
    withFds(f, 100, []);
    expect(readFdTargets(f.root, 100, OPEN_FILES_LIMIT)).toEqual([]);
  });

  // Since Linux 6.2 the kernel gives a /proc/PID/fd directory's size as its count of fds, and
  // a count within the limit is listed in one readdir; over it (or on an older kernel), one
  // entry at a time. Both give the same answer.
  it("reads a real process's fds at the limit, and is over the limit below it", async () => {
    const child = spawn("sleep", ["60"], { stdio: ["ignore", "ignore", "ignore"] });
    const pid = child.pid as number;
    try {
      await new Promise((resolve) => child.once("spawn", resolve));
      // Until exec is over, the fds are node's child side: the command line is sleep's before
      // exec has closed them (a run saw 4 entries, then a size of 5). Wait for sleep asleep
      // and the same list twice.
      const settled = (): string[] | null => {
        const state = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "")[0];
        if (state !== "S" || !readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sleep"))
          return null;
        const first = readdirSync(`/proc/${pid}/fd`).join(",");
        const again = readdirSync(`/proc/${pid}/fd`);
        return again.join(",") === first ? again : null;
      };
      let names = settled();
      for (let i = 0; i < 500 && names === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        names = settled();
      }
      if (names === null) throw new Error(`sleep ${pid} did not settle in 5 s`);
      const count = names.length;
      expect(count).toBeGreaterThanOrEqual(3);
      expect([0, count]).toContain(statSync(`/proc/${pid}/fd`).size);
      const entries = readFdEntries("/proc", pid, count);
      expect(Array.isArray(entries) && entries.map((e) => e.fd)).toEqual(
        names.map(Number).sort((a, b) => a - b),
      );
      expect(Array.isArray(entries) && entries.slice(0, 3)).toEqual([
        { fd: 0, target: "/dev/null" },
        { fd: 1, target: "/dev/null" },
        { fd: 2, target: "/dev/null" },
      ]);
      expect(readFdEntries("/proc", pid, count - 1)).toBe(OVER_LIMIT);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
