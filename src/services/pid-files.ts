// A service's PID files: read at the edge (readPidFiles), judged against one snapshot by pure
// functions (classifyPidFiles, untrackedInstances; what an instance is: instances.ts). Nothing
// here signals or deletes: a PID file naming another program's pid is reported, and only that.
// The incidents behind it: a stop script deleted PID files even when the kill failed, so the
// next stop could not find the process; and instances "started by hand, no PID file".
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from "node:fs";
import type { Service } from "../config/types.js";
import { formatDuration } from "../config/units.js";
import { displayCommand, printable } from "../shared/printable.js";
import { matchSelector, type Lookup } from "../rules/match.js";
import type { ProcessRef } from "../rules/plan-types.js";
import { ref } from "../rules/plan.js";
import type { ProcessInfo, Snapshot } from "../scan/types.js";
import { expandGlob } from "../shared/glob.js";
import { launchers, namesInstance, serviceInstances } from "./instances.js";

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

export type PidFileKind = "ok" | "stale" | "reused" | "invalid" | "unknown";

export interface PidFileFinding {
  service: string;
  path: string;
  /**
   * ok: the pid is a running process of the service. stale: no such process, or a zombie.
   * reused: the pid now belongs to another program. invalid: unreadable or no pid in it.
   * unknown: the process runs but was not read in detail, so it cannot be judged.
   */
  kind: PidFileKind;
  pid: number | null;
  process?: ProcessRef;
  detail: string;
}

// ---- I/O edge ----

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

// ---- pure ----

/** Judges each PID file of one service against the snapshot. */
export function classifyPidFiles(
  service: Service,
  reads: readonly PidFileRead[],
  snapshot: Snapshot,
  lookup: Lookup,
): PidFileFinding[] {
  let launchers: Map<number, ProcessInfo> | undefined;
  // A launcher (a wrapper script, `sh -c`) whose pid the file holds: the instance below it.
  const launcherOf = (pid: number): ProcessInfo | undefined =>
    (launchers ??= launchersOf(serviceInstances(service, snapshot, lookup), lookup)).get(pid);
  return reads.map((read) => classifyOne(service, read, snapshot, lookup, launcherOf));
}

/** Each launcher of an instance (see instances.ts) → that instance. */
function launchersOf(instances: readonly ProcessInfo[], lookup: Lookup): Map<number, ProcessInfo> {
  const byLauncher = new Map<number, ProcessInfo>();
  for (const instance of instances)
    for (const a of launchers(instance, lookup))
      if (!byLauncher.has(a.pid)) byLauncher.set(a.pid, instance);
  return byLauncher;
}

function classifyOne(
  service: Service,
  read: PidFileRead,
  snapshot: Snapshot,
  lookup: Lookup,
  launcherOf: (pid: number) => ProcessInfo | undefined,
): PidFileFinding {
  const base = { service: service.name, path: read.path, pid: read.pid };
  if (read.problem !== null || read.pid === null)
    return { ...base, kind: "invalid", detail: read.problem ?? "no pid" };
  const pid = read.pid;
  const written =
    read.mtimeMs === null
      ? ""
      : ` (file written ${formatDuration(snapshot.takenAtMs - read.mtimeMs)} ago)`;
  const p = lookup(pid);
  if (!p) return { ...base, kind: "stale", detail: `pid ${pid} is not running${written}` };
  if (p.state === "Z" || p.state === "X")
    return {
      ...base,
      kind: "stale",
      process: ref(p),
      detail: `pid ${pid} has exited (a zombie not yet reaped by its parent ${p.ppid})${written}`,
    };
  const now = `${p.comm}: ${displayCommand(p)}`;
  if (p.kernelThread)
    return {
      ...base,
      kind: "reused",
      process: ref(p),
      detail: `pid ${pid} is now a kernel thread (${now})${written}`,
    };
  if (p.argv === null)
    return {
      ...base,
      kind: "unknown",
      process: ref(p),
      detail: `pid ${pid} is running but was not read in detail`,
    };
  const facts = matchSelector(service.selector, p, lookup);
  if (facts !== null)
    return {
      ...base,
      kind: "ok",
      process: ref(p),
      detail: `pid ${pid} is running (${now})${facts.length > 0 ? `; ${facts.join("; ")}` : ""}`,
    };
  const instance = launcherOf(pid);
  if (instance)
    return {
      ...base,
      kind: "ok",
      process: ref(p),
      detail: `pid ${pid} is running (${now}), the launcher of instance ${instance.pid}`,
    };
  // The scan keeps argv [] for a process whose cmdline it could not read (hidepid, another
  // user's without root): that is not proof of another program.
  if (p.argv.length === 0)
    return {
      ...base,
      kind: "unknown",
      process: ref(p),
      detail: `pid ${pid} is running (${p.comm}) but its command line could not be read`,
    };
  return {
    ...base,
    kind: "reused",
    process: ref(p),
    detail: `pid ${pid} now belongs to another program (${now})${written}`,
  };
}

/**
 * Instances no PID file names as "ok": started by hand, or their PID file was deleted. Only for a
 * service that has PID files. A PID file naming a process inside an instance or one of its
 * launchers tracks that instance.
 */
export function untrackedInstances(
  service: Service,
  instances: readonly ProcessInfo[],
  findings: readonly PidFileFinding[],
  lookup: Lookup = () => undefined,
): ProcessInfo[] {
  if (service.pidFiles.length === 0) return [];
  const named: number[] = [];
  for (const f of findings)
    if (f.service === service.name && f.kind === "ok" && f.pid !== null) named.push(f.pid);
  return instances.filter(
    (instance) =>
      !named.some((pid) => pid === instance.pid || namesInstance(pid, instance, lookup)),
  );
}
