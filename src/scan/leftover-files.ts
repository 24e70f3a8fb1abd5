// Lists one `files:` rule's directory (issue 12): the entries whose names the rule's globs
// accept, each from lstat, never followed through a symlink, never outside the directory.
//
// Cost, bounded by the limits: one readdir pass over at most `maxNames` names (a name costs a
// string compare in `accept`, no syscall), one lstat per accepted entry (at most `maxEntries`),
// and for an accepted directory a walk of at most `walkEntries` entries, `walkDepth` deep, one
// lstat each. Everything is reached through the opened directory's fd (scan/dir-handle.ts).
import { closeSync, constants, fstatSync, lstatSync, openSync, type Stats } from "node:fs";
import { eachName, errnoText, inDir, openDirectory, usableName } from "./dir-handle.js";
import type { DirListing, LeftoverFile } from "./leftover-types.js";

export interface ListLimits {
  /** At most this many accepted entries are lstat'ed; more: the listing is truncated. */
  maxEntries: number;
  /** At most this many names are read at all (accepted or not); more: truncated. */
  maxNames: number;
  /** A directory entry's walk goes at most this deep below it; deeper: contents unknown. */
  walkDepth: number;
  /** A directory entry's walk lstats at most this many entries; more: contents unknown. */
  walkEntries: number;
  /**
   * All the directory entries' walks of one listing together lstat at most this many: 10,000
   * entries × 1,000 would be 10 million lstats and some GiB, a day's work for one user's
   * mkdir loop. Past it the remaining directories' contents are unknown (never removed).
   */
  walkTotal: number;
}

/**
 * /dev/shm of a busy training host holds a few thousand segments; 10,000 bounds what one rule
 * costs (10,000 lstats, a few ms) and 100,000 names one readdir pass over a crowded /tmp.
 * multiprocessing's pymp-* dirs hold one socket or a few files, 2 deep; 4 and 1000 leave room.
 */
export const LIST_LIMITS: ListLimits = {
  maxEntries: 10_000,
  maxNames: 100_000,
  walkDepth: 4,
  walkEntries: 1000,
  walkTotal: 50_000,
};

/**
 * The entries of `dir` whose names `accept` takes. `accept` is called before anything else
 * is done with a name (it is the cheap filter); names that cannot be used as read (longer
 * than NAME_MAX, not UTF-8) are skipped. Never throws: a directory that cannot be listed
 * (missing, a symlink, not a directory, EACCES, replaced while opened) has `problem` set.
 */
export function listDir(
  dir: string,
  accept: (name: string) => boolean,
  limits: ListLimits = LIST_LIMITS,
): DirListing {
  const opened = openDirectory(dir);
  if (typeof opened === "string") return { dir, files: [], truncated: false, problem: opened };
  const files: LeftoverFile[] = [];
  let truncated = false;
  let names = 0;
  const walkBudget = { left: limits.walkTotal };
  try {
    eachName(opened.fd, (name) => {
      if (++names > limits.maxNames) {
        truncated = true;
        return false;
      }
      if (!usableName(name) || !accept(name)) return true;
      if (files.length >= limits.maxEntries) {
        truncated = true;
        return false;
      }
      const file = entryOf(opened.fd, opened.dev, dir, name, limits, walkBudget);
      if (file) files.push(file);
      return true;
    });
  } catch (error) {
    // The listing failed midway (EIO, the directory removed): what was read is not all of it.
    return { dir, files, truncated: true, problem: `listing failed: ${errnoText(error)}` };
  } finally {
    closeSync(opened.fd);
  }
  return { dir, files, truncated };
}

/** One entry from lstat; null when it went away between readdir and lstat. */
function entryOf(
  dirFd: number,
  dirDev: number,
  dir: string,
  name: string,
  limits: ListLimits,
  walkBudget: { left: number },
): LeftoverFile | null {
  let stat: Stats;
  try {
    stat = lstatSync(inDir(dirFd, name));
  } catch {
    return null;
  }
  const path = `${dir === "/" ? "" : dir}/${name}`;
  const file: LeftoverFile = {
    path,
    dir,
    name,
    kind: kindOf(stat),
    dev: stat.dev,
    ino: stat.ino,
    uid: stat.uid,
    sizeBytes: usedBytes(stat),
    mtimeMs: stat.mtimeMs,
    ctimeMs: stat.ctimeMs,
  };
  if (file.kind === "dir") {
    // A mount point (another file system's root) is not the directory's to empty: unknown.
    const walk = new Walk(
      { ...limits, walkEntries: Math.min(limits.walkEntries, walkBudget.left) },
      dirDev,
    );
    file.contents = walk.dir(dirFd, name, stat, path, 1) ? walk.contents : null;
    file.sizeBytes = walk.sizeBytes;
    walkBudget.left = Math.max(0, walkBudget.left - walk.contents.length);
  }
  return file;
}

/**
 * What a regular file takes, not what it claims: st_size capped by its allocated blocks, so a
 * sparse `truncate -s 1P` on a small tmpfs counts as the few blocks it has, not a petabyte (the
 * byte budgets, the bytes freed and status's largest files stay honest). 0 for anything else.
 */
export function usedBytes(stat: Stats): number {
  return stat.isFile() ? Math.min(stat.size, stat.blocks * 512) : 0;
}

export function kindOf(stat: Stats): LeftoverFile["kind"] {
  if (stat.isFile()) return "file";
  if (stat.isDirectory()) return "dir";
  return "other";
}

/**
 * A bounded walk of a directory entry's contents: every entry at any depth (files, dirs,
 * sockets, symlinks themselves, never followed) with its dev and inode, so that a holder of
 * anything inside holds the directory. It never crosses into another file system (a mount
 * point inside makes the contents unknown: removal would empty someone else's mount). Each subdirectory is opened O_NOFOLLOW through its
 * parent's fd and checked against its lstat, as the top one is.
 */
class Walk {
  readonly contents: { dev: number; ino: number; path: string }[] = [];
  /** Of the regular files seen: when the walk was cut, at least this much. */
  sizeBytes = 0;
  /** `dev`: the file system the walk stays on (a directory on another is a mount point). */
  constructor(
    private readonly limits: ListLimits,
    private readonly dev: number,
  ) {}

  /** False = cut (too deep, too many, unreadable, changed while walked). */
  dir(parentFd: number, name: string, stat: Stats, path: string, depth: number): boolean {
    if (stat.dev !== this.dev) return false;
    let fd: number;
    try {
      fd = openSync(
        inDir(parentFd, name),
        constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW,
      );
    } catch {
      return false;
    }
    try {
      const opened = fstatSync(fd);
      if (opened.dev !== stat.dev || opened.ino !== stat.ino) return false;
      let complete = true;
      eachName(fd, (child) => {
        if (depth > this.limits.walkDepth || this.contents.length >= this.limits.walkEntries) {
          complete = false;
          return false;
        }
        // An unusable name cannot be removed as read: the directory cannot be emptied.
        if (!usableName(child)) {
          complete = false;
          return false;
        }
        let childStat: Stats;
        try {
          childStat = lstatSync(inDir(fd, child));
        } catch {
          complete = false;
          return false;
        }
        const childPath = `${path}/${child}`;
        this.contents.push({ dev: childStat.dev, ino: childStat.ino, path: childPath });
        this.sizeBytes += usedBytes(childStat);
        if (childStat.isDirectory() && !this.dir(fd, child, childStat, childPath, depth + 1)) {
          complete = false;
          return false;
        }
        return true;
      });
      return complete;
    } catch {
      return false;
    } finally {
      closeSync(fd);
    }
  }
}
