// A service's PID files, read at the edge: every file a service's patterns match, opened without
// following links or blocking, at most PID_FILE_READ_BYTES of it read and its first line parsed.
// Judging what a file names against a snapshot is pure and lives in services/pid-files.ts.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from "node:fs";
import type { Service } from "../config/types.js";
import { expandGlob } from "../shared/glob.js";
import { printable } from "../shared/printable.js";

/** The kernel's largest pid_max (PID_MAX_LIMIT on 64-bit): a larger number is no pid. */
export const PID_MAX_LIMIT = 4_194_304;
/** A PID file holds one short line; no more than this is read. */
export const PID_FILE_READ_BYTES = 4096;

export interface PidFileRead {
  path: string;
  /** The pid on the file's first line; null when `problem` is set. */
  pid: number | null;
  /** "unreadable: EACCES", "empty", "not a pid: 'abc'", "not a regular file"; null when pid is set. */
  problem: string | null;
  mtimeMs: number | null;
  /** Identity of the file as read: a removal re-checks it (see act/pid-file-removal.ts). */
  dev: number;
  ino: number;
  size: number;
  /** The bytes read (at most PID_FILE_READ_BYTES) as text; null when unreadable. */
  content: string | null;
}

/** Each service's PID files, read once per run: before the scan, so the pids they name are read in detail. */
export function readServicePidFiles(services: readonly Service[]): Map<string, PidFileRead[]> {
  return new Map(
    services.map((s) => [s.name, s.pidFiles.length > 0 ? readPidFiles(s.pidFiles) : []]),
  );
}

/** The pids the PID files name: the scan reads them in detail to judge them. */
export function namedPids(reads: ReadonlyMap<string, readonly PidFileRead[]>): Set<number> {
  const pids = new Set<number>();
  for (const list of reads.values()) for (const r of list) if (r.pid !== null) pids.add(r.pid);
  return pids;
}

/** Every file the patterns match, each once (in pattern order), read and parsed. */
export function readPidFiles(patterns: readonly string[]): PidFileRead[] {
  const seen = new Set<string>();
  const reads: PidFileRead[] = [];
  for (const pattern of patterns) {
    for (const path of expandGlob(pattern)) {
      if (seen.has(path)) continue;
      seen.add(path);
      const read = readPidFile(path);
      if (read) reads.push(read);
    }
  }
  return reads;
}

/** One PID file; null when it vanished since the glob saw it (a stop removed it meanwhile). */
export function readPidFile(path: string): PidFileRead | null {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO swapped in after the glob's stat() must not hang the run on open/read.
    // O_NOFOLLOW: a PID file is a plain file; a symlink planted in a service's writable log
    // directory must not make a root run read (and report a line of) /etc/shadow.
    fd = openSync(
      path,
      constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | constants.O_NOFOLLOW,
    );
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT") return null;
    if (code === "ELOOP")
      return {
        ...statOnly(path),
        path,
        pid: null,
        problem: "a symbolic link (not followed: a PID file is a plain file)",
        content: null,
      };
    return { ...statOnly(path), path, pid: null, problem: `unreadable: ${code}`, content: null };
  }
  try {
    const stat = fstatSync(fd);
    const identity = { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
    if (!stat.isFile())
      return { ...identity, path, pid: null, problem: "not a regular file", content: null };
    const content = readAtMost(fd, PID_FILE_READ_BYTES);
    const parsed = parsePidText(content);
    return { ...identity, path, content, ...parsed };
  } catch (error) {
    return {
      ...statOnly(path),
      path,
      pid: null,
      problem: `unreadable: ${errorCode(error)}`,
      content: null,
    };
  } finally {
    closeSync(fd);
  }
}

/** The first `limit` bytes of an open file, as text. */
export function readAtMost(fd: number, limit: number): string {
  const buffer = Buffer.alloc(limit);
  let length = 0;
  while (length < limit) {
    const n = readSync(fd, buffer, length, limit - length, null);
    if (n === 0) break;
    length += n;
  }
  return buffer.toString("utf8", 0, length);
}

/** The pid on the first line, trimmed: a positive integer ≤ PID_MAX_LIMIT, or a problem. */
export function parsePidText(content: string): { pid: number | null; problem: string | null } {
  if (content.trim() === "") return { pid: null, problem: "empty" };
  const line = (content.split("\n")[0] as string).trim();
  if (/^[1-9][0-9]{0,6}$/.test(line)) {
    const pid = Number(line);
    if (pid <= PID_MAX_LIMIT) return { pid, problem: null };
  }
  const shown = line.length > 40 ? `${line.slice(0, 40)}…` : line;
  return { pid: null, problem: `not a pid: '${printable(shown)}'` };
}

function statOnly(path: string): {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number | null;
} {
  try {
    const stat = statSync(path);
    return { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return { dev: 0, ino: 0, size: 0, mtimeMs: null };
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
