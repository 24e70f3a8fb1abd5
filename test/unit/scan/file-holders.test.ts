// readHolders on fixture /proc trees (what cannot be made real as root: unreadable fd dirs,
// a main thread gone while its threads run), and the parsers it uses: maps lines, device
// numbers, /proc/net/unix, mount aliases. Real processes: test/integration/file-holders.test.ts.
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readHolders, type HolderTargets } from "../../../src/scan/file-holders.js";
import { inodeKey } from "../../../src/scan/leftover-types.js";
import { eachMappedInode, eachMappedInodeIn } from "../../../src/scan/maps-inodes.js";
import { mountAliases, parseMountinfo } from "../../../src/scan/mount-aliases.js";
import { makedev, mapsDev, mountinfoDev } from "../../../src/scan/proc-dev.js";
import { parseUnixSockets } from "../../../src/scan/unix-sockets.js";
import { ProcFixture, statLine } from "../../helpers/fixtures.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe("device numbers", () => {
  it("encode as glibc's makedev (what Node's stat gives)", () => {
    expect(mapsDev("fe:00")).toBe(0xfe00);
    expect(mapsDev("08:01")).toBe(0x801);
    expect(mapsDev("00:1a")).toBe(26);
    // Past 255: the minor's high bits sit above the major (measured: "0:338" stats as 1048658).
    expect(mapsDev("00:152")).toBe(1048658);
    expect(mountinfoDev("0:338")).toBe(1048658);
    expect(makedev(0x1234, 0x56789)).toBe(
      0x89 + 0x234 * 0x100 + 0x567 * 0x100000 + 0x1 * 0x100000000,
    );
    expect(mapsDev("zz:00")).toBeNull();
    expect(mapsDev("fe")).toBeNull();
  });
});

describe("eachMappedInode", () => {
  it("yields the mappings of files on the watched devices, and counts the lines", () => {
    const text = [
      "55d0c000-55d0d000 r--p 00000000 fe:00 2146993                    /usr/bin/python3.11",
      "7fc8e000-7fc8f000 rw-s 00000000 00:1a 77                         /dev/shm/psm_x (deleted)",
      "7fc8f000-7fc90000 rw-s 00001000 00:1a 77                         /dev/shm/psm_x (deleted)",
      "7fc90000-7fc91000 rw-p 00000000 00:00 0 ",
      "7ffd0000-7ffd1000 rw-p 00000000 00:00 0                          [stack]",
      "garbage",
    ].join("\n");
    const seen: [number, number][] = [];
    expect(eachMappedInode(text, new Set([26]), (dev, ino) => seen.push([dev, ino]))).toBe(6);
    expect(seen).toEqual([
      [26, 77],
      [26, 77],
    ]);
    expect(eachMappedInode("", new Set([26]), () => {})).toBe(0);
  });
});

describe("eachMappedInodeIn", () => {
  it("reads only the first `length` bytes, hex in either case, and skips malformed lines", () => {
    const lines = [
      "7fc8e000-7fc8f000 rw-s 00000000 00:1A 77 /dev/shm/psm_x",
      "7fc8e000-7fc8f000 rw-s 00000000 00:1a 0x4d /dev/shm/psm_y",
      "7fc8e000-7fc8f000 rw-s 00000000 :1a 78",
      "7fc8e000-7fc8f000 rw-s 00000000 00: 79",
      "7fc8e000-7fc8f000 rw-s 00000000 000000000:1a 80",
      "7fc8e000-7fc8f000 rw-s 00000000 00:1a",
      "7fc8e000-7fc8f000 rw-s 00000000 00:1a 81",
    ];
    const text = `${lines.join("\n")}\n`;
    // Stale bytes after the file, as in the shared buffer after a longer read.
    const bytes = Buffer.concat([
      Buffer.from(text, "latin1"),
      Buffer.from("00:1a 99\n00:1a 98 x\n"),
    ]);
    const seen: [number, number][] = [];
    expect(eachMappedInodeIn(bytes, text.length, new Set([26]), (d, i) => seen.push([d, i]))).toBe(
      7,
    );
    // 0x4d: the field's text through Number(), as the text parser did (the kernel writes decimal).
    expect(seen).toEqual([
      [26, 77],
      [26, 0x4d],
      [26, 81],
    ]);
  });
});

describe("parseUnixSockets", () => {
  it("keeps sockets bound under a watched prefix, paths with spaces whole", () => {
    const text = [
      "Num       RefCount Protocol Flags    Type St Inode Path",
      "000000000c9b9e4a: 00000003 00000000 00000000 0001 03  1057",
      "00000000dc35de61: 00000002 00000000 00010000 0001 01  4321 /tmp/pymp-ab/listener-x",
      "00000000dc35de62: 00000002 00000000 00010000 0001 01 98765 /tmp/pymp-ab/a b",
      "00000000dc35de63: 00000002 00000000 00010000 0001 01 11111 @/tmp/pymp-ab/abstract",
      "00000000dc35de64: 00000002 00000000 00010000 0001 01 22222 /run/other.sock",
    ].join("\n");
    expect([...parseUnixSockets(text, ["/tmp/"])]).toEqual([
      [4321, "/tmp/pymp-ab/listener-x"],
      [98765, "/tmp/pymp-ab/a b"],
    ]);
  });
});

describe("mountAliases", () => {
  const mounts = parseMountinfo(
    [
      "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
      "29 24 0:26 / /dev/shm rw,relatime - tmpfs tmpfs rw",
      "40 26 0:26 / /run/shm rw,relatime - tmpfs tmpfs rw",
      "41 26 0:26 /sub /mnt/sub rw,relatime - tmpfs tmpfs rw",
      "42 26 254:0 /tmp /mnt/tmp\\040copy rw - ext4 /dev/vda rw",
      "43 26 254:0 /home /mnt/home rw - ext4 /dev/vda rw",
    ].join("\n"),
  );

  it("adds every bind mount that shows the watched directory, exactly", () => {
    expect(mountAliases(mounts, ["/dev/shm"]).sort()).toEqual(["/dev/shm", "/run/shm"]);
    // /tmp on the root file system: a bind mount of /tmp is an alias; "/" and /home are not.
    expect(mountAliases(mounts, ["/tmp"]).sort()).toEqual(["/mnt/tmp copy", "/tmp"]);
    // A bind mount of a directory below the watched one shows part of it: an alias of that part.
    expect(mountAliases(mounts, ["/dev/shm"]).includes("/mnt/sub")).toBe(false);
    expect(mountAliases(mounts, ["/dev/shm/sub"]).sort()).toEqual([
      "/dev/shm/sub",
      "/mnt/sub",
      "/run/shm/sub",
    ]);
  });
});

describe("readHolders on a fixture /proc", () => {
  function setup() {
    const f = new ProcFixture();
    const dir = mkdtempSync(join(tmpdir(), "cleanup-holders-"));
    cleanups.push(
      () => f.cleanup(),
      () => rmSync(dir, { recursive: true, force: true }),
    );
    const file = join(dir, "psm_x");
    writeFileSync(file, "x");
    const st = statSync(file);
    const targets: HolderTargets = {
      devs: new Set([st.dev]),
      inodes: new Set([inodeKey(st.dev, st.ino)]),
      paths: [dir],
    };
    const procDir = (pid: number) => join(f.root, String(pid));
    const maps = (pid: number, text: string) => writeFileSync(join(procDir(pid), "maps"), text);
    const fds = (pid: number, targets: string[]) => {
      mkdirSync(join(procDir(pid), "fd"));
      targets.forEach((t, i) => symlinkSync(t, join(procDir(pid), "fd", String(i + 3))));
    };
    return { f, dir, file, st, targets, procDir, maps, fds };
  }

  it("finds fd, map, cwd and socket holders; skips kernel threads and processes gone since the scan", () => {
    const { f, dir, file, st, targets, procDir, maps, fds } = setup();
    // A directory entry and a socket file bound inside it, both watched.
    const pymp = join(dir, "pymp-x");
    mkdirSync(pymp);
    const sock = join(pymp, "listener");
    writeFileSync(sock, "");
    const [pympStat, sockStat] = [statSync(pymp), statSync(sock)];
    const watched: HolderTargets = {
      ...targets,
      inodes: new Set([
        ...targets.inodes,
        inodeKey(pympStat.dev, pympStat.ino),
        inodeKey(sockStat.dev, sockStat.ino),
      ]),
      // As the listing gives them (holderTargets): a bound socket is matched by its path.
      byPath: new Map([[sock, inodeKey(sockStat.dev, sockStat.ino)]]),
    };
    f.add({ pid: 100, ppid: 1, startTicks: 500 });
    maps(100, `7f00-7f01 rw-s 00000000 ${devText(st.dev)} ${st.ino} ${file}\n`);
    fds(100, ["/dev/null", file, "socket:[123]", "socket:[456]"]);
    symlinkSync(pymp, join(procDir(100), "cwd"));
    // Its network namespace's socket table (the fixture has no ns links: not the agent's).
    mkdirSync(join(procDir(100), "net"));
    writeFileSync(
      join(procDir(100), "net", "unix"),
      `Num RefCount Protocol Flags Type St Inode Path\n0000: 00000002 00000000 00010000 0001 01 456 ${sock}\n`,
    );
    f.add({ pid: 2, ppid: 0, startTicks: 1 });
    const index = readHolders(f.root, watched, [
      { pid: 100, startTicks: 500 },
      { pid: 2, startTicks: 1, kernelThread: true },
      { pid: 300, startTicks: 7 }, // no /proc entry: gone
    ]);
    expect(index.unknown).toEqual([]);
    expect(index.scanned).toBe(2);
    expect(index.byInode.get(inodeKey(st.dev, st.ino))).toEqual([
      { pid: 100, startTicks: 500, how: "map" },
      { pid: 100, startTicks: 500, how: "fd" },
    ]);
    expect(index.byInode.get(inodeKey(pympStat.dev, pympStat.ino))).toEqual([
      { pid: 100, startTicks: 500, how: "cwd" },
    ]);
    expect(index.byInode.get(inodeKey(sockStat.dev, sockStat.ino))).toEqual([
      { pid: 100, startTicks: 500, how: "socket" },
    ]);
  });

  it("lists as unknown, with why, a process whose maps or fds cannot be read", () => {
    const { f, targets, procDir, maps, fds } = setup();
    f.add({ pid: 100, ppid: 1, startTicks: 500 });
    mkdirSync(join(procDir(100), "maps")); // EISDIR on read
    f.add({ pid: 101, ppid: 1, startTicks: 501 });
    maps(101, "7f00-7f01 r--p 00000000 fe:00 1 /usr/lib/x.so\n");
    writeFileSync(join(procDir(101), "fd"), ""); // ENOTDIR on opendir
    f.add({ pid: 102, ppid: 1, startTicks: 502 });
    maps(102, "7f00-7f01 r--p 00000000 fe:00 1 /usr/lib/x.so\n");
    fds(102, ["/a", "/b", "/c"]);
    // Its main thread exited, two threads run: maps and fds read empty.
    f.add({ pid: 103, ppid: 1, startTicks: 503 });
    writeFileSync(join(procDir(103), "stat"), threadsStat(103, 503, 3));
    maps(103, "");
    fds(103, []);
    // A plain zombie holds nothing.
    f.add({ pid: 104, ppid: 1, startTicks: 504 });
    writeFileSync(join(procDir(104), "stat"), threadsStat(104, 504, 1));
    maps(104, "");
    fds(104, []);
    // Its pid reused since the scan, and the new process unreadable.
    f.add({ pid: 105, ppid: 1, startTicks: 999 });
    // A socket, and no socket table of its network namespace to say where it is bound.
    f.add({ pid: 106, ppid: 1, startTicks: 506 });
    maps(106, "7f00-7f01 r--p 00000000 fe:00 1 /usr/lib/x.so\n");
    fds(106, ["socket:[77]"]);
    const index = readHolders(
      f.root,
      targets,
      [100, 101, 102, 103, 104, 105, 106].map((pid) => ({ pid, startTicks: 400 + pid })),
      { fdLimit: 2 },
    );
    expect(index.unknown).toEqual([
      { pid: 100, reason: "maps: EISDIR" },
      { pid: 101, reason: "fds: ENOTDIR" },
      { pid: 102, reason: "more than 2 open fds" },
      { pid: 103, reason: "its main thread exited: its threads' maps and fds are not read" },
      { pid: 105, reason: "maps: ENOENT (its pid was reused since the scan)" },
      { pid: 106, reason: "unix sockets: its network namespace's table cannot be read" },
    ]);
    expect(index.byInode.size).toBe(0);
  });
});

/** maps prints MAJOR:MINOR in hex; the inverse of makedev for the numbers a test sees. */
function devText(dev: number): string {
  const major = ((dev >> 8) & 0xfff) | (Math.floor(dev / 0x100000000) * 0x1000);
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  return `${major.toString(16).padStart(2, "0")}:${minor.toString(16).padStart(2, "0")}`;
}

/** A zombie's stat line with `threads` threads. */
function threadsStat(pid: number, startTicks: number, threads: number): string {
  const fields = statLine({ pid, ppid: 1, startTicks, state: "Z" }).trim().split(" ");
  fields[19] = String(threads);
  return `${fields.join(" ")}\n`;
}
