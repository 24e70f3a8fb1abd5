// The files a process holds open: the readlink targets of /proc/PID/fd/*. The one place the
// scan lists a process's fds; the socket reader (listeners.ts) and the `holds` selector's
// open files (ProcessInfo.openFiles) both come from here.
//
// A target is text the process chose (a file it created may be named with a newline, a
// deleted file reads "/tmp/x (deleted)", a socket "socket:[123]", an anonymous inode
// "anon_inode:[eventfd]"). It is kept as a string, cut at TARGET_MAX_CHARS, never resolved or
// followed: the agent compares it with patterns and never opens it.
import { opendirSync, readdirSync, readlinkSync, statSync, type Dir } from "node:fs";

/**
 * At most this many fds are read for a process's open files; a process with more has them
 * unknown (a `holds` kill rule does not match it, a protect entry with `holds` protects it).
 * 4096 is far above what a worker holds (a Python DataLoader worker: about 30) and bounds what
 * one process costs the scan: one readlink per fd.
 */
export const OPEN_FILES_LIMIT = 4096;

/** The kernel's PATH_MAX: a /proc/PID/fd link reads at most this much; longer text is cut. */
export const TARGET_MAX_CHARS = 4096;

/**
 * The targets of `${procRoot}/${pid}/fd/*`, in the directory's order (fd order), at most
 * `limit` of them. Null = unknown: the fd directory cannot be read (another user's process
 * without root: EACCES; a process that vanished), a link cannot be read for another reason
 * than its fd closing meanwhile, or the process holds more than `limit` fds. An fd closed
 * between the listing and its readlink is skipped.
 */
export function readFdTargets(procRoot: string, pid: number, limit: number): string[] | null {
  const entries = readFdEntries(procRoot, pid, limit);
  return typeof entries === "string" ? null : entries.map((e) => e.target);
}

export interface FdEntry {
  fd: number;
  target: string;
}

/** Why readFdEntries has no list: the process holds more fds than the limit. */
export const OVER_LIMIT = "over-limit";

/**
 * Like readFdTargets, with each target's fd number (to stat `${procRoot}/${pid}/fd/${fd}`),
 * and, when unknown, why: OVER_LIMIT, or the errno code of what failed (ENOENT: the process
 * is gone or going; EACCES: not ours to read).
 */
export function readFdEntries(procRoot: string, pid: number, limit: number): FdEntry[] | string {
  const path = `${procRoot}/${pid}/fd`;
  const names = listFds(path, limit);
  if (names === null) return readFdEntriesOneByOne(path, limit);
  if (typeof names === "string") return names;
  // [fd, target]: a directory lists in its own order (/proc in fd order, a fixture's file
  // system in hash order); sorted by fd below, so the order never depends on where it was read.
  const targets: FdEntry[] = [];
  for (const name of names) {
    if (targets.length >= limit) return OVER_LIMIT;
    const target = readTarget(`${path}/${name}`);
    if (target === null) continue;
    if (typeof target !== "string") return target.code;
    targets.push({ fd: Number(name), target });
  }
  return targets.sort((a, b) => a.fd - b.fd);
}

/**
 * The fd names in one readdir, when the kernel says beforehand that there are at most `limit`:
 * since Linux 6.2 a /proc/PID/fd directory's st_size is its number of open fds. Measured at
 * 10,000 processes, a stat and a readdirSync cost half of opendir and Dir.read (Node 20 builds
 * a Dir, with two promisified methods, per call). Null: the size says nothing (0 on older
 * kernels, and for no fds; a fixture's directory has its file system's size) or is over the
 * limit: the caller lists one entry at a time. Fds opened between the stat and the readdir
 * are listed too, and counted against the limit as they are read.
 */
function listFds(path: string, limit: number): string[] | string | null {
  let count: number;
  try {
    count = statSync(path).size;
  } catch {
    return null; // opendir says why
  }
  if (count === 0 || count > limit) return null;
  try {
    return readdirSync(path);
  } catch (error) {
    return errnoOf(error);
  }
}

/** readFdEntries listing one entry at a time: a million fds cost `limit` entries, not an array of a million. */
function readFdEntriesOneByOne(path: string, limit: number): FdEntry[] | string {
  let dir: Dir;
  try {
    dir = opendirSync(path);
  } catch (error) {
    return errnoOf(error);
  }
  const targets: FdEntry[] = [];
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      if (targets.length >= limit) return OVER_LIMIT;
      const target = readTarget(`${path}/${entry.name}`);
      if (target === null) continue;
      if (typeof target !== "string") return target.code;
      targets.push({ fd: Number(entry.name), target });
    }
  } catch (error) {
    // The listing itself failed midway (the process exited): what was read is not all of it.
    return errnoOf(error);
  } finally {
    dir.closeSync();
  }
  return targets.sort((a, b) => a.fd - b.fd);
}

/** An fd's target, cut at TARGET_MAX_CHARS; null if the fd closed meanwhile; else the errno. */
function readTarget(link: string): string | null | { code: string } {
  let target: string;
  try {
    target = readlinkSync(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    return { code: errnoOf(error) };
  }
  return target.length > TARGET_MAX_CHARS ? target.slice(0, TARGET_MAX_CHARS) : target;
}

function errnoOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? "read failed";
}

/** Whether a process's fd directory can be listed (without a readlink per fd). */
export function fdsReadable(procRoot: string, pid: number): boolean {
  let dir: Dir;
  try {
    dir = opendirSync(`${procRoot}/${pid}/fd`);
  } catch {
    return false;
  }
  try {
    dir.readSync();
    return true;
  } catch {
    return false;
  } finally {
    dir.closeSync();
  }
}
