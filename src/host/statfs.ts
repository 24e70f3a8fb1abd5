// Disk space and inodes of a mount. On a local filesystem (ext4, xfs, tmpfs, overlay …) statfs(2)
// answers from counters in memory and is called directly. On any other (NFS, CIFS, FUSE …) it
// runs in a child process, `stat -f`, with a timeout.
//
// Why not fs.statfs there: on a mount that does not answer (an NFS server that is gone, a FUSE daemon
// that is stuck) statfs(2) blocks, and Node runs it on a libuv threadpool thread that nothing can
// interrupt. The thread stays blocked forever and the pending request keeps the event loop alive,
// so the one-shot run would never exit (and four such mounts would take the whole threadpool).
// A child blocked the same way can be SIGKILLed (FUSE and NFS wait killably) and forgotten: the
// run reports the mount as unknown and goes on. This is also why `df` is not used: it stats
// every mount, so one dead mount hides all the others.
import type { ChildProcess } from "node:child_process";
import { statfsSync } from "node:fs";
import { readProcTextIfPresent } from "../scan/read-file.js";
import { childProcess } from "../shared/lazy-builtins.js";
import { percentOf } from "./parse.js";
import type { DiskMetrics } from "./types.js";

// total blocks, free blocks, blocks available to unprivileged users, fundamental block size
// (the unit of the three counts), total inodes, free inodes.
const FORMAT = "%b %f %a %S %c %d";

// A stderr or stdout larger than this is not stat's: stop collecting.
const MAX_OUTPUT = 4096;

/** The output of `stat -f -c '%b %f %a %S %c %d'` as metrics; status unknown if unparseable. */
export function parseStatfsOutput(mount: string, text: string): DiskMetrics {
  const fields = text.trim().split(/\s+/);
  const numbers = fields.map((f) => (/^\d+$/.test(f) ? Number(f) : null));
  const [blocks, free, avail, blockSize, inodes, inodesFree] = numbers;
  if (
    numbers.length !== 6 ||
    blocks == null ||
    free == null ||
    avail == null ||
    blockSize == null ||
    inodes == null ||
    inodesFree == null
  ) {
    return {
      mount,
      status: "unknown",
      error: `unexpected output from stat: ${JSON.stringify(text)}`,
    };
  }
  return diskMetrics(mount, { blocks, free, avail, blockSize, inodes, inodesFree });
}

interface StatfsCounts {
  blocks: number;
  free: number;
  avail: number;
  blockSize: number;
  inodes: number;
  inodesFree: number;
}

function diskMetrics(
  mount: string,
  { blocks, free, avail, blockSize, inodes, inodesFree }: StatfsCounts,
): DiskMetrics {
  // As df: the blocks reserved for root (ext4's 5 %) count neither as used nor as available, so
  // a disk is "100 %" when ordinary users can no longer write, before root cannot either.
  const used = Math.max(0, blocks - free);
  return {
    mount,
    status: "ok",
    totalBytes: blocks * blockSize,
    availableBytes: avail * blockSize,
    usedPercent: used + avail === 0 ? 0 : percentOf(used, used + avail),
    inodesTotal: inodes,
    inodesFree,
    // Filesystems that allocate inodes on demand (btrfs, some FUSE ones) report 0 of 0.
    inodesUsedPercent: inodes === 0 ? 0 : percentOf(Math.max(0, inodes - inodesFree), inodes),
  };
}

/** One mount. Never rejects: a failure or a silence is status "unknown" with the reason. */
export async function readDisk(mount: string, timeoutMs: number): Promise<DiskMetrics> {
  // Loaded only when a mount needs it: child_process costs 2.7 MiB of memory to load.
  const { spawn } = childProcess();
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn("stat", ["-f", "-c", FORMAT, "--", mount], {
        stdio: ["ignore", "pipe", "pipe"],
        // Untranslated error messages, the same in every report.
        env: { ...process.env, LC_ALL: "C" },
      });
    } catch (error) {
      // Synchronous failures: a mount path with a NUL byte, no memory for a fork.
      resolve({ mount, status: "unknown", error: `cannot run stat: ${(error as Error).message}` });
      return;
    }

    let settled = false;
    const settle = (metrics: DiskMetrics): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(metrics);
    };
    const unknown = (error: string): void => settle({ mount, status: "unknown", error });

    const timer = setTimeout(() => {
      unknown(`no answer within ${timeoutMs}ms`);
      // Our own child, by its handle. The kill is delivered once the blocked call notices it;
      // until then nothing of it (process handle, pipes) may hold the event loop open.
      child.kill("SIGKILL");
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.unref();
    }, timeoutMs);

    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk;
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk;
    });
    child.on("error", (error) => unknown(`cannot run stat: ${error.message}`));
    child.on("close", (code, signal) => {
      if (code === 0) settle(parseStatfsOutput(mount, stdout));
      else unknown(stderr.trim() || `stat ended with ${signal ?? `exit code ${code}`}`);
    });
  });
}

/**
 * Filesystems whose statfs(2) is answered from in-memory counters, so it cannot wait on a
 * server or a daemon. Anything else goes through the child with a timeout.
 */
export const LOCAL_FILESYSTEMS: ReadonlySet<string> = new Set([
  "ext2",
  "ext3",
  "ext4",
  "xfs",
  "btrfs",
  "bcachefs",
  "f2fs",
  "jfs",
  "reiserfs",
  "zfs",
  "tmpfs",
  "ramfs",
  "devtmpfs",
  "overlay",
  "squashfs",
  "erofs",
  "iso9660",
  "vfat",
  "exfat",
  "ntfs3",
]);

export interface MountEntry {
  mountPoint: string;
  fsType: string;
}

/** /proc/self/mountinfo: "36 35 98:0 / /mnt rw,noatime master:1 - ext3 /dev/root rw". */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    const fsType = fields[dash + 1];
    if (dash < 6 || fields[4] === undefined || fsType === undefined) continue;
    // Spaces, tabs, newlines and backslashes in paths are written as octal escapes.
    const mountPoint = fields[4].replace(/\\([0-7]{3})/g, (_m, octal: string) =>
      String.fromCharCode(parseInt(octal, 8)),
    );
    entries.push({ mountPoint, fsType });
  }
  return entries;
}

/**
 * The filesystem type when `path` is itself a mount point, else null. Only an exact mount point
 * is trusted for a direct statfs: a path below one may be a symlink into an NFS or FUSE mount,
 * which would block the run with no timeout; such paths go through the child.
 */
export function mountTypeAt(path: string, mounts: readonly MountEntry[]): string | null {
  let found: string | null = null;
  for (const entry of mounts) if (entry.mountPoint === path) found = entry.fsType; // the last mount on top wins
  return found;
}

function readLocal(mount: string): DiskMetrics {
  try {
    const s = statfsSync(mount);
    return diskMetrics(mount, {
      blocks: s.blocks,
      free: s.bfree,
      avail: s.bavail,
      blockSize: s.bsize,
      inodes: s.files,
      inodesFree: s.ffree,
    });
  } catch (error) {
    return { mount, status: "unknown", error: (error as Error).message };
  }
}

/**
 * Every mount at once: local ones directly, the others one child each (a dead mount costs its
 * own timeout, not the others'). Without a readable mountinfo every mount goes through a child.
 */
export function readDisks(
  mounts: readonly string[],
  timeoutMs: number,
  procRoot = "/proc",
): Promise<DiskMetrics[]> {
  const mountinfo = mounts.length > 0 ? readMountinfo(procRoot) : [];
  return Promise.all(
    mounts.map((mount) => {
      const fsType = mountTypeAt(mount, mountinfo);
      return fsType !== null && LOCAL_FILESYSTEMS.has(fsType)
        ? readLocal(mount)
        : readDisk(mount, timeoutMs);
    }),
  );
}

function readMountinfo(procRoot: string): MountEntry[] {
  try {
    return parseMountinfo(readProcTextIfPresent(`${procRoot}/self/mountinfo`) ?? "");
  } catch {
    return [];
  }
}
