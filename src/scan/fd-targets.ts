// The files a process holds open: the readlink targets of /proc/PID/fd/*. The one place the
// scan lists a process's fds; the socket reader (listeners.ts) and the `holds` selector's
// open files (ProcessInfo.openFiles) both come from here.
//
// A target is text the process chose (a file it created may be named with a newline, a
// deleted file reads "/tmp/x (deleted)", a socket "socket:[123]", an anonymous inode
// "anon_inode:[eventfd]"). It is kept as a string, cut at TARGET_MAX_CHARS, never resolved or
// followed: the agent compares it with patterns and never opens it.
import { opendirSync, readlinkSync, type Dir } from "node:fs";

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
  let dir: Dir;
  try {
    dir = opendirSync(path);
  } catch (error) {
    return errnoOf(error);
  }
  // [fd, target]: a directory lists in its own order (/proc in fd order, a fixture's file
  // system in hash order); sorted by fd below, so the order never depends on where it was read.
  const targets: FdEntry[] = [];
  try {
    // Listed one entry at a time: a process with a million fds costs `limit` entries, not a
    // million-entry array.
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      if (targets.length >= limit) return OVER_LIMIT;
      let target: string;
      try {
        target = readlinkSync(`${path}/${entry.name}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
        return errnoOf(error);
      }
      const cut = target.length > TARGET_MAX_CHARS ? target.slice(0, TARGET_MAX_CHARS) : target;
      targets.push({ fd: Number(entry.name), target: cut });
    }
  } catch (error) {
    // The listing itself failed midway (the process exited): what was read is not all of it.
    return errnoOf(error);
  } finally {
    dir.closeSync();
  }
  return targets.sort((a, b) => a.fd - b.fd);
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
