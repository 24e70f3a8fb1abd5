// Removes one planned leftover file or directory (issue 12), after the kills of the run, and
// only if it is still exactly what the scan saw and nobody holds it now.
//
// The races this guards against, each found in the wild: a file replaced by another inode
// under the same name (a new pool reusing a segment name), a file turned into a symlink (to
// make root unlink something else), a file written to after the scan (a live pool that the
// holder check missed), the parent directory swapped for a symlink between check and unlink,
// and for a directory an entry created inside it after the scan. So:
//   - the parent is opened component by component from "/", each O_NOFOLLOW (no symlink on
//     its path is followed); everything after goes through /proc/self/fd/<dirfd>/<name> (scan/dir-handle.ts), which the kernel
//     resolves to the opened directory whatever its path names now;
//   - the entry is lstat'ed there and compared with the plan: dev, inode, owner, mtime, ctime,
//     kind; then `recheck` says whether it is held now (act/file-removals.ts reads the holders
//     once for the run's batch, after the kills, not once per file); then lstat'ed again;
//     then unlinked;
//   - a directory is emptied bottom-up the same way: each subdirectory opened O_NOFOLLOW
//     through its parent's fd and checked against its planned inode, each entry re-lstat'ed
//     and removed only if the scan listed that inode at that path. Anything else is left, and
//     the outcome says partial.
// Never throws for a file system error: each is an outcome.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  rmdirSync,
  unlinkSync,
  type Stats,
} from "node:fs";
import { eachName, errnoText, inDir, openDirectory } from "../scan/dir-handle.js";
import { kindOf, LIST_LIMITS, usedBytes } from "../scan/leftover-files.js";
import type { LeftoverFile } from "../scan/leftover-types.js";

export type RemovalReason =
  /** Gone before it was removed (someone else removed it). */
  | "vanished"
  /** Another inode under the name now. */
  | "replaced"
  | "symlink"
  /** Not a file or directory now (or another kind than planned). */
  | "kind-changed"
  | "owner-changed"
  /** Its mtime, ctime or size moved since the scan: written to, chmod'ed, linked, re-made. */
  | "modified"
  /** The rule's directory is missing, a symlink now, or not the one opened. */
  | "parent-changed"
  /** The re-read of the holders says a process holds it (or may: unknown). */
  | "held"
  /** Planned as "other" (a symlink, socket, fifo, device): never removed. */
  | "not-removable"
  /** A directory whose walk was cut: what it holds is unknown. */
  | "contents-unknown"
  /** A directory partly emptied: something inside was not what the scan listed. */
  | "partial"
  /** An unexpected file system error (EACCES, EPERM, EBUSY, …). */
  | "failed";

export interface RemovalOutcome {
  removed: boolean;
  /** st_size of the regular files unlinked whose last link it was. */
  bytesFreed: number;
  reason?: RemovalReason;
  /** Human text for the reason (the errno, the holder, what changed). */
  detail?: string;
}

/** Whether the file is held now: from a fresh holder read. */
export type HeldCheck = { held: false } | { held: true; why: string };

export interface RemovalOptions {
  /** Bounds of a directory's emptying; the scan's walk bounds by default. */
  walkEntries?: number;
}

export function removeFile(
  entry: LeftoverFile,
  recheck: () => HeldCheck,
  opts: RemovalOptions = {},
): RemovalOutcome {
  if (entry.kind === "other") return no("not-removable", `a ${entry.kind} entry is never removed`);
  if (entry.kind === "dir" && !entry.contents) {
    return no("contents-unknown", "its contents were not all listed by the scan");
  }
  const parent = openDirectory(entry.dir);
  if (typeof parent === "string") return no("parent-changed", `${entry.dir}: ${parent}`);
  try {
    const first = check(parent.fd, entry);
    if (first) return first;
    const held = recheck();
    if (held.held) return no("held", held.why);
    const second = check(parent.fd, entry);
    if (second) return second;
    if (entry.kind === "file") return unlinkFile(parent.fd, entry.name);
    return new Emptier(entry, opts.walkEntries ?? LIST_LIMITS.walkEntries).remove(parent.fd);
  } finally {
    closeSync(parent.fd);
  }
}

/** Null when the entry is still what the scan saw; else why not. */
function check(dirFd: number, entry: LeftoverFile): RemovalOutcome | null {
  let now: Stats;
  try {
    now = lstatSync(inDir(dirFd, entry.name));
  } catch (error) {
    return errnoText(error) === "ENOENT"
      ? no("vanished", "gone before it was removed")
      : no("failed", `lstat: ${errnoText(error)}`);
  }
  if (now.isSymbolicLink()) return no("symlink", "a symlink now");
  if (now.dev !== entry.dev || now.ino !== entry.ino) {
    return no("replaced", `inode ${now.dev}:${now.ino} now, ${entry.dev}:${entry.ino} scanned`);
  }
  if (kindOf(now) !== entry.kind) return no("kind-changed", `a ${kindOf(now)} now`);
  if (now.uid !== entry.uid) return no("owner-changed", `uid ${now.uid} now, ${entry.uid} scanned`);
  // An inode number is reused at once by ext4 and tmpfs after an unlink: a file removed and
  // made again under the name can have the scan's dev:inode. Its ctime (and size) tell it:
  // ctime is set at creation, and since Linux 6.13 a timestamp observed by a stat is followed
  // by a fine-grained one, so even a re-creation within one clock tick moves it.
  const sizeMoved = entry.kind === "file" && usedBytes(now) !== entry.sizeBytes;
  if (sizeMoved || now.mtimeMs !== entry.mtimeMs || now.ctimeMs !== entry.ctimeMs) {
    return no("modified", "changed since the scan (mtime, ctime or size)");
  }
  return null;
}

function unlinkFile(dirFd: number, name: string): RemovalOutcome {
  const path = inDir(dirFd, name);
  let freed: number;
  try {
    const stat = lstatSync(path);
    freed = stat.nlink === 1 ? usedBytes(stat) : 0;
    unlinkSync(path);
  } catch (error) {
    return errnoText(error) === "ENOENT"
      ? no("vanished", "gone before it was removed")
      : no("failed", `unlink: ${errnoText(error)}`);
  }
  return { removed: true, bytesFreed: freed };
}

/** Empties and removes one planned directory; see the header. */
class Emptier {
  /** What the scan listed inside: path → dev:inode. */
  private readonly planned: Map<string, string>;
  private bytesFreed = 0;
  /** Entries left behind, and why, for the outcome's detail. */
  private readonly left: string[] = [];
  private visited = 0;

  constructor(
    private readonly entry: LeftoverFile,
    private readonly maxEntries: number,
  ) {
    this.planned = new Map((entry.contents ?? []).map((c) => [c.path, `${c.dev}:${c.ino}`]));
  }

  remove(parentFd: number): RemovalOutcome {
    const { entry } = this;
    const emptied = this.empty(parentFd, entry.name, `${entry.dev}:${entry.ino}`, entry.path);
    if (emptied) {
      try {
        rmdirSync(inDir(parentFd, entry.name));
        return { removed: true, bytesFreed: this.bytesFreed };
      } catch (error) {
        this.left.push(`${entry.path}: rmdir ${errnoText(error)}`);
      }
    }
    return {
      removed: false,
      bytesFreed: this.bytesFreed,
      reason: "partial",
      detail: `left: ${this.left.slice(0, 5).join("; ")}${this.left.length > 5 ? "; …" : ""}`,
    };
  }

  /** Removes what the scan listed inside `path`; true when nothing else was found there. */
  private empty(parentFd: number, name: string, key: string, path: string): boolean {
    let fd: number;
    try {
      fd = openSync(
        inDir(parentFd, name),
        constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW,
      );
    } catch (error) {
      this.left.push(`${path}: open ${errnoText(error)}`);
      return false;
    }
    try {
      const opened = fstatSync(fd);
      if (`${opened.dev}:${opened.ino}` !== key) {
        this.left.push(`${path}: replaced since the scan`);
        return false;
      }
      // Names first, then removals: a directory is not changed while it is being read.
      const names: string[] = [];
      let bounded = true;
      eachName(fd, (child) => {
        if (++this.visited > this.maxEntries) {
          bounded = false;
          return false;
        }
        names.push(child);
        return true;
      });
      let clean = bounded;
      if (!bounded) this.left.push(`${path}: more entries than the walk's bound`);
      for (const child of names) {
        if (!this.removeChild(fd, child, `${path}/${child}`)) clean = false;
      }
      return clean;
    } catch (error) {
      this.left.push(`${path}: ${errnoText(error)}`);
      return false;
    } finally {
      closeSync(fd);
    }
  }

  private removeChild(dirFd: number, name: string, path: string): boolean {
    const planned = this.planned.get(path);
    if (planned === undefined) {
      this.left.push(`${path}: not in the scan`);
      return false;
    }
    const at = inDir(dirFd, name);
    let stat: Stats;
    try {
      stat = lstatSync(at);
    } catch (error) {
      if (errnoText(error) === "ENOENT") return true; // gone meanwhile: nothing to leave
      this.left.push(`${path}: lstat ${errnoText(error)}`);
      return false;
    }
    if (`${stat.dev}:${stat.ino}` !== planned) {
      this.left.push(`${path}: another inode than the scan's`);
      return false;
    }
    try {
      if (stat.isDirectory()) {
        if (!this.empty(dirFd, name, planned, path)) return false;
        rmdirSync(at);
      } else {
        // A symlink, socket or fifo inside is unlinked itself, never followed.
        unlinkSync(at);
        if (stat.isFile() && stat.nlink === 1) this.bytesFreed += usedBytes(stat);
      }
      return true;
    } catch (error) {
      if (errnoText(error) === "ENOENT") return true;
      this.left.push(`${path}: ${errnoText(error)}`);
      return false;
    }
  }
}

function no(reason: RemovalReason, detail: string): RemovalOutcome {
  return { removed: false, bytesFreed: 0, reason, detail };
}
