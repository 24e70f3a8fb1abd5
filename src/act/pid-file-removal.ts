// Deletes a stale PID file: one whose pid was not running when the files were judged.
// Only ever called by the session for live runs (a dry run is decided there, and removes
// nothing), and only for a service with remove_stale_pid_files. It signals nothing.
//
// The incident this guards against is the reverse one: a stop script deleted PID files even
// when the kill failed, so the next stop could not find the process. So a file is removed only
// if it is still the file that was read (same device, inode, mtime, size and content: otherwise
// a new start rewrote it) and its pid is still not running, checked again right before unlink.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  unlinkSync,
  type Stats,
} from "node:fs";
import { parseStat } from "../scan/parse-stat.js";
import { readProcTextIfPresent } from "../scan/read-file.js";
import { PID_FILE_READ_BYTES, readAtMost, type PidFileRead } from "../scan/pid-files.js";

export type PidFileRemovalOutcome = "removed" | "changed" | "alive" | "failed";

export interface PidFileRemoval {
  outcome: PidFileRemovalOutcome;
  detail: string;
}

/** Never throws. */
export function removeStalePidFile(read: PidFileRead, procRoot: string): PidFileRemoval {
  try {
    return remove(read, procRoot);
  } catch (error) {
    return { outcome: "failed", detail: `not removed: ${(error as Error).message}` };
  }
}

function remove(read: PidFileRead, procRoot: string): PidFileRemoval {
  const { path, pid } = read;
  if (pid === null || read.problem !== null || read.content === null)
    return {
      outcome: "failed",
      detail: `not removed: it holds no pid (${read.problem ?? "unread"})`,
    };

  const first = checkFile(read);
  if (first) return first;

  let text: string | null;
  try {
    text = readProcTextIfPresent(`${procRoot}/${pid}/stat`);
  } catch (error) {
    // Unverified is not dead: keep the file.
    return { outcome: "failed", detail: `not removed: cannot check pid ${pid}: ${code(error)}` };
  }
  if (text !== null) {
    const stat = parseStat(text);
    if (!stat) return { outcome: "failed", detail: `not removed: unparseable stat of pid ${pid}` };
    if (stat.state !== "Z" && stat.state !== "X")
      return {
        outcome: "alive",
        detail: `not removed: pid ${pid} is running now (${stat.comm}, state ${stat.state})`,
      };
  }

  // Once more, just before unlink: a start between the first check and now rewrote it.
  const second = checkFile(read, false);
  if (second) return second;
  try {
    unlinkSync(path);
  } catch (error) {
    if (code(error) === "ENOENT") return { outcome: "removed", detail: "already gone" };
    return { outcome: "failed", detail: `not removed: unlink: ${code(error)}` };
  }
  return {
    outcome: "removed",
    detail: `removed: pid ${pid} ${text === null ? "is not running" : "is a zombie"}`,
  };
}

/** Null when the file at the path is still the one that was read; else what to report. */
function checkFile(read: PidFileRead, rereadContent = true): PidFileRemoval | null {
  let stat: Stats;
  try {
    stat = lstatSync(read.path);
  } catch (error) {
    if (code(error) === "ENOENT") return { outcome: "removed", detail: "already gone" };
    return { outcome: "failed", detail: `not removed: lstat: ${code(error)}` };
  }
  // readPidFiles followed a symlink to its target; the link itself is not what was read.
  if (stat.isSymbolicLink())
    return { outcome: "failed", detail: "not removed: a symbolic link (remove it by hand)" };
  if (!sameFile(stat, read)) return changed(read);
  if (!rereadContent) return null;
  let content: string;
  let fd: number;
  try {
    fd = openSync(read.path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    if (code(error) === "ENOENT") return { outcome: "removed", detail: "already gone" };
    return { outcome: "failed", detail: `not removed: cannot re-read it: ${code(error)}` };
  }
  try {
    if (!sameFile(fstatSync(fd), read)) return changed(read);
    content = readAtMost(fd, PID_FILE_READ_BYTES);
  } finally {
    closeSync(fd);
  }
  return content === read.content ? null : changed(read);
}

function sameFile(stat: Stats, read: PidFileRead): boolean {
  return (
    stat.isFile() &&
    stat.dev === read.dev &&
    stat.ino === read.ino &&
    stat.size === read.size &&
    stat.mtimeMs === read.mtimeMs
  );
}

function changed(read: PidFileRead): PidFileRemoval {
  return {
    outcome: "changed",
    detail: `not removed: rewritten since it was read (pid ${read.pid}); a new start may have written it`,
  };
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
