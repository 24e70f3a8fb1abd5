// readHolders on real processes this test starts (the scene's token interpreter), holding
// real files the test made in its own tmp dir: an open fd, a memory mapping (on ext4 and on a
// tmpfs, so both device encodings are checked against stat), a cwd inside a directory entry, a
// unix socket bound in one, a multiprocessing SharedMemory under /dev/shm (token-named only,
// unlinked in finally), and a process in its own mount namespace on a tmpfs whose minor is
// past 255; and removeFile with those holders read again, keeping what is held and removing it
// once its holder is gone. The scene SIGKILLs what it started, by pid and start time, in afterEach.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { removeFile, type HeldCheck } from "../../src/act/file-removal.js";
import { holderTargets, readHolders, type HolderTargets } from "../../src/scan/file-holders.js";
import { listDir } from "../../src/scan/leftover-files.js";
import { inodeKey, type DirListing, type LeftoverFile } from "../../src/scan/leftover-types.js";
import { Scene, startTicksOf } from "../helpers/scene.js";

let scene: Scene;
afterEach(() => scene?.cleanup());

/** Every file and every inode inside a directory entry, as the plan will give them. */
function targetsOf(listings: DirListing[]): HolderTargets {
  return holderTargets(
    listings.flatMap((l) => l.files),
    listings.map((l) => l.dir),
  );
}

/** The scene's python running `code` (argv[1:] = args); resolves once it prints "ready". */
async function python(code: string, args: string[], opts: { cwd?: string } = {}): Promise<number> {
  return started(
    spawn(scene.python, ["-c", code, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
      cwd: opts.cwd,
    }),
  );
}

async function started(child: ReturnType<typeof spawn>): Promise<number> {
  scene.own(child.pid!);
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`exited ${code} before ready: ${out}`)));
  });
  scene.own(child.pid!);
  return child.pid!;
}

/**
 * `mapped(path)` maps a file and closes its fd, so only the mapping holds it (python's mmap
 * module keeps a dup of the fd: libc's mmap through ctypes does not).
 */
const MAP = [
  "import ctypes, os, sys",
  "libc = ctypes.CDLL(None, use_errno=True)",
  "libc.mmap.restype = ctypes.c_void_p",
  "libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]",
  "def mapped(path):",
  "    fd = os.open(path, os.O_RDONLY)",
  "    if libc.mmap(None, 4096, 1, 1, fd, 0) in (None, ctypes.c_void_p(-1).value): sys.exit('mmap failed')",
  "    os.close(fd)",
].join("\n");

const SLEEP = "import time\nprint('ready', flush=True)\nwhile True: time.sleep(3600)";

function holdersOf(f: LeftoverFile, pids: number[], targets: HolderTargets) {
  const index = readHolders(
    "/proc",
    targets,
    pids.map((pid) => ({ pid, startTicks: startTicksOf(pid)! })),
  );
  expect(index.unknown).toEqual([]);
  return index.byInode.get(inodeKey(f.dev, f.ino)) ?? [];
}

describe("readHolders on real processes", () => {
  it("finds an fd, a mapping (ext4 and tmpfs devices), a cwd inside a directory and a bound socket", async () => {
    scene = new Scene();
    const watch = join(scene.dir, "watch");
    mkdirSync(watch);
    const t = scene.token;
    const opened = join(watch, `open-${t}`);
    const mapped = join(watch, `map-${t}`);
    const idle = join(watch, `idle-${t}`);
    for (const f of [opened, mapped, idle]) writeFileSync(f, "x".repeat(4096));
    const cwdDir = join(watch, `pymp-cwd-${t}`);
    mkdirSync(join(cwdDir, "sub"), { recursive: true });
    const sockDir = join(watch, `pymp-sock-${t}`);
    mkdirSync(sockDir);

    const fdHolder = await python(`import sys\nf=open(sys.argv[1],'rb')\n${SLEEP}`, [opened]);
    // Mapped, then the fd closed (and mmap's own dup of it): only the mapping holds it.
    const mapHolder = await python(`${MAP}\nmapped(sys.argv[1])\n${SLEEP}`, [mapped]);
    const cwdHolder = await python(SLEEP, [], { cwd: join(cwdDir, "sub") });
    const sockHolder = await python(
      `import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\ns.listen()\n${SLEEP}`,
      [join(sockDir, "listener")],
    );
    const listing = listDir(watch, (n) => n.endsWith(t));
    const targets = targetsOf([listing]);
    const file = (name: string) => listing.files.find((f) => f.name === name)!;
    const pids = [fdHolder, mapHolder, cwdHolder, sockHolder];
    const index = readHolders(
      "/proc",
      targets,
      pids.map((pid) => ({ pid, startTicks: startTicksOf(pid)! })),
    );
    expect(index.unknown).toEqual([]);
    expect(index.scanned).toBe(4);
    const at = (dev: number, ino: number) => index.byInode.get(inodeKey(dev, ino)) ?? [];
    const of = (name: string) => at(file(name).dev, file(name).ino);
    const ticks = (pid: number) => startTicksOf(pid)!;
    expect(of(`open-${t}`)).toEqual([{ pid: fdHolder, startTicks: ticks(fdHolder), how: "fd" }]);
    expect(of(`map-${t}`)).toEqual([{ pid: mapHolder, startTicks: ticks(mapHolder), how: "map" }]);
    expect(of(`idle-${t}`)).toEqual([]);
    // A cwd in a subdirectory holds that inode, which is among the directory entry's contents.
    const sub = file(`pymp-cwd-${t}`).contents!.find((c) => c.path.endsWith("/sub"))!;
    expect(at(sub.dev, sub.ino)).toEqual([
      { pid: cwdHolder, startTicks: ticks(cwdHolder), how: "cwd" },
    ]);
    const sock = file(`pymp-sock-${t}`).contents!.find((c) => c.path.endsWith("/listener"))!;
    expect(at(sock.dev, sock.ino)).toEqual([
      { pid: sockHolder, startTicks: ticks(sockHolder), how: "socket" },
    ]);
  });

  it("finds a multiprocessing SharedMemory segment under /dev/shm by its mapping and fd", async () => {
    scene = new Scene();
    const name = `psm_cleanup_test_${scene.token}`;
    const code = [
      "import sys, time",
      "from multiprocessing import shared_memory, resource_tracker",
      "shm = shared_memory.SharedMemory(name=sys.argv[1], create=True, size=1 << 16)",
      // Written whole: a segment takes memory (blocks) only where it was written.
      "shm.buf[:] = b'x' * (1 << 16)",
      // The test unlinks it, not the tracker (which would warn about a leak at exit).
      "resource_tracker.unregister(shm._name, 'shared_memory')",
      SLEEP,
    ].join("\n");
    let holder: number | undefined;
    try {
      holder = await python(code, [name]);
      const listing = listDir("/dev/shm", (n) => n === name);
      expect(listing.files).toHaveLength(1);
      const [segment] = listing.files;
      expect(segment!.sizeBytes).toBe(1 << 16);
      const holders = holdersOf(segment!, [holder, process.pid], targetsOf([listing]));
      expect(holders.map((h) => [h.pid, h.how]).sort()).toEqual([
        [holder, "fd"],
        [holder, "map"],
      ]);
    } finally {
      spawnUnlink(name);
    }
  });

  it("finds a holder in another mount namespace, on a tmpfs whose device minor is past 255", async () => {
    scene = new Scene();
    const mnt = join(scene.dir, "ns-mnt");
    mkdirSync(mnt);
    const t = scene.token;
    // 300 tmpfs mounts stacked in a private mount namespace (gone with it): the topmost has an
    // anonymous device numbered past 255 on any host with fewer than ~4000 such mounts.
    const script = [
      `i=0; while [ $i -lt 300 ]; do mount -t tmpfs cleanup-test-${t} "$1" || exit 1; i=$((i+1)); done`,
      `echo x > "$1/open-${t}"; echo x > "$1/map-${t}"`,
      `exec "$2" -c "$3" "$1/open-${t}" "$1/map-${t}"`,
    ].join("\n");
    const code = `${MAP}\nf=open(sys.argv[1],'rb')\nmapped(sys.argv[2])\n${SLEEP}`;
    const pid = await started(
      spawn(
        "unshare",
        ["--mount", "--propagation", "private", "sh", "-c", script, "sh", mnt, scene.python, code],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      ),
    );
    // Its tmpfs is not in our namespace: listed through its root.
    const listing = listDir(`/proc/${pid}/root${mnt}`, (n) => n.endsWith(t));
    expect(listing.problem).toBeUndefined();
    expect(listing.files).toHaveLength(2);
    const dev = listing.files[0]!.dev;
    const minor = (dev & 0xff) | ((dev / 0x1000) & ~0xff);
    expect(minor).toBeGreaterThan(255);
    const targets = targetsOf([listing]);
    const file = (prefix: string) => listing.files.find((f) => f.name.startsWith(prefix))!;
    expect(holdersOf(file("open-"), [pid], targets)).toEqual([
      { pid, startTicks: startTicksOf(pid), how: "fd" },
    ]);
    expect(holdersOf(file("map-"), [pid], targets)).toEqual([
      { pid, startTicks: startTicksOf(pid), how: "map" },
    ]);
  });
});

describe("listDir and a mount point inside a directory entry", () => {
  it("has the entry's contents unknown (null): emptying it would empty another file system", async () => {
    scene = new Scene();
    const watch = join(scene.dir, "watch");
    const entry = join(watch, `pymp-${scene.token}`);
    mkdirSync(join(entry, "mnt"), { recursive: true });
    mkdirSync(join(watch, `plain-${scene.token}`));
    // The mount lives in a private mount namespace (gone with it), seen through its root.
    const script = `mount -t tmpfs cleanup-test-${scene.token} "$1" || exit 1\nexec "$2" -c "$3"`;
    const pid = await started(
      spawn(
        "unshare",
        [
          "--mount",
          "--propagation",
          "private",
          "sh",
          "-c",
          script,
          "sh",
          join(entry, "mnt"),
          scene.python,
          SLEEP,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      ),
    );
    const files = listDir(`/proc/${pid}/root${watch}`, (n) => n.endsWith(scene.token)).files;
    const byName = Object.fromEntries(files.map((f) => [f.name, f]));
    expect(byName[`pymp-${scene.token}`]!.contents).toBeNull();
    expect(byName[`plain-${scene.token}`]!.contents).toEqual([]);
  });
});

/** The recheck the run will give removeFile: the holders read again, among these pids. */
function recheckOf(f: LeftoverFile, pids: number[]): () => HeldCheck {
  return () => {
    const listing = { dir: f.dir, files: [f], truncated: false };
    const live = pids.filter((pid) => startTicksOf(pid) !== null);
    const index = readHolders(
      "/proc",
      targetsOf([listing]),
      live.map((pid) => ({ pid, startTicks: startTicksOf(pid)! })),
    );
    if (index.unknown.length > 0) return { held: true, why: "a process cannot be read" };
    const keys = [f, ...(f.contents ?? [])].map((c) => inodeKey(c.dev, c.ino));
    const holders = keys.flatMap((k) => index.byInode.get(k) ?? []);
    return holders.length > 0
      ? { held: true, why: holders.map((h) => `pid ${h.pid} (${h.how})`).join(", ") }
      : { held: false };
  };
}

describe("removeFile with the holders read again just before the unlink", () => {
  it("keeps a SharedMemory segment while a process maps it, removes it once that process is gone", async () => {
    scene = new Scene();
    const name = `psm_cleanup_test_${scene.token}`;
    const code = [
      "import sys, time",
      "from multiprocessing import shared_memory, resource_tracker",
      "shm = shared_memory.SharedMemory(name=sys.argv[1], create=True, size=1 << 16)",
      // Written whole: a segment takes memory (blocks) only where it was written.
      "shm.buf[:] = b'x' * (1 << 16)",
      "resource_tracker.unregister(shm._name, 'shared_memory')",
      SLEEP,
    ].join("\n");
    try {
      const holder = await python(code, [name]);
      const [segment] = listDir("/dev/shm", (n) => n === name).files;
      const held = removeFile(segment!, recheckOf(segment!, [holder]));
      expect(held).toMatchObject({ removed: false, reason: "held" });
      expect(held.detail).toContain(`pid ${holder} (fd)`);
      expect(held.detail).toContain(`pid ${holder} (map)`);
      await scene.end(holder);
      expect(removeFile(segment!, recheckOf(segment!, [holder]))).toEqual({
        removed: true,
        bytesFreed: 1 << 16,
      });
    } finally {
      spawnUnlink(name);
    }
  });

  it("keeps a pymp-style directory whose socket a live process listens on; removes it once that process is gone", async () => {
    scene = new Scene();
    const watch = join(scene.dir, "watch");
    mkdirSync(watch);
    const dir = join(watch, `pymp-${scene.token}`);
    mkdirSync(dir);
    const server = await python(
      `import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\ns.listen()\n${SLEEP}`,
      [join(dir, "listener")],
    );
    const [entry] = listDir(watch, (n) => n === `pymp-${scene.token}`).files;
    expect(entry!.contents).toHaveLength(1);
    expect(removeFile(entry!, recheckOf(entry!, [server]))).toMatchObject({
      removed: false,
      reason: "held",
      detail: `pid ${server} (socket)`,
    });
    await scene.end(server);
    expect(removeFile(entry!, recheckOf(entry!, [server]))).toEqual({
      removed: true,
      bytesFreed: 0,
    });
  });
});

/** Unlinks the test's own token-named segment (never another /dev/shm entry). */
function spawnUnlink(name: string): void {
  if (!name.includes(scene.token)) throw new Error("not a token name");
  try {
    rmSync(`/dev/shm/${name}`);
  } catch {
    // never created
  }
}
