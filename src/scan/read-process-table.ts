// One snapshot of the process table from /proc (or a fixture tree in tests).
// stat is read for every process; argv, uids and exe only for processes the caller wants detail
// on (those that pass the rules' cheap tests), since reading cmdline for all doubles the cost.
// The fds (open files, for `holds`) are read last, and only for the detailed processes a
// `holds` selector could still match once everything else is known (ScanOptions.openFilesFilter).
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { parseAuxv, parsePasswd, parseStatusUids, parseUptime } from "./parse-misc.js";
import type { StatFields } from "./parse-stat.js";
import { OPEN_FILES_LIMIT, readFdTargets } from "./fd-targets.js";
import {
  fdsReadable,
  readListenerTable,
  readNetNamespace,
  readSocketInodes,
  socketInodes,
} from "./listeners.js";
import { readCgroup } from "./cgroup.js";
import { readCmdline } from "./cmdline.js";
import { isVanished, readProcText, readStatFile } from "./read-file.js";
import { readMountNamespace, readReaperEvidence } from "./reaper-evidence.js";
import { childrenByParent } from "./tree.js";
import { ScanError, type Listener, type ProcessInfo, type Snapshot } from "./types.js";

export interface ScanOptions {
  /** "/proc", or a fixture tree. */
  procRoot: string;
  selfPid: number;
  /** Wall clock, ms since epoch. */
  now: () => number;
  /** Monotonic ms, for scanMs (default performance.now: the run passes its own clock). */
  monotonic?: () => number;
  /**
   * Given the whole table (stat fields only), which processes need argv/uid
   * (see rules/detail-filter.ts).
   */
  detailFilter: (processes: readonly ProcessInfo[]) => (process: ProcessInfo) => boolean;
  /**
   * A live run's filter leaves out processes whose stat facts fail every rule: of those left
   * without detail, which ones a dry run would have read (a rule's selector could take them).
   * The scan counts them in Snapshot.notDetailed. Absent: not counted (a dry run reads them all).
   */
  explainOnly?: (process: ProcessInfo) => boolean;
  /** Also read the parent's detail of every detailed process (a rule has a `parent` matcher). */
  wantParentDetail: boolean;
  /** Also read the descendants' detail of every detailed process (a kill rule kills trees). */
  wantDescendantDetail: boolean;
  /** Read /proc/PID/exe of detailed processes (a rule has an `exe` matcher). */
  wantExe: boolean;
  /**
   * Read /proc/PID/status of detailed processes for the exact uids: needed by `user` matchers,
   * and by a run that may only signal its own processes (kill(2) checks real and saved uid).
   * Otherwise the uid is the owner of /proc/PID: the effective uid, or root for a process that
   * is not dumpable. Measured at 10,000 processes: status 160 ms; the owner, from fstat() of cmdline, 10 ms.
   */
  wantStatus: boolean;
  /**
   * Read the socket tables (/proc/net/tcp, tcp6, udp, udp6) once and the fds of detailed
   * processes, to fill ProcessInfo.listening (a `listening_port` matcher). Costs a readlink of
   * /proc/PID/ns/net, a readdir of /proc/PID/fd and a readlink per fd of every detailed process.
   */
  wantListeners?: boolean;
  /**
   * With wantListeners: the socket inodes each process's fds held, as the caller's own pass
   * over every fd directory just read them (scan/socket-holders.ts; null: unreadable). The join
   * takes them instead of listing the fds again; a process missing from it (started since) is
   * read. Not for open files (openFilesFilter), which need every target.
   */
  socketInodes?: ReadonlyMap<number, readonly number[] | null>;
  /**
   * Read only these processes, their ancestors, PID 1 and the agent's own lineage (stat and
   * detail alike), not the whole table: `cleanup port`, once it knows a port's holders. The
   * snapshot is then partial (Snapshot.partial): sound only for a judgement that looks no
   * further than a process and its ancestors (see port/port-command.ts). If none of them can
   * be read, the whole table is.
   */
  seeds?: readonly number[];
  /**
   * Read /proc/PID/cgroup of detailed processes (a `cgroup` or `unit` selector, a unit
   * condition): one small read each.
   */
  wantCgroup?: boolean;
  /** Read /proc/PID/cgroup of every process but kernel threads (`status`: left in stopped units). */
  cgroupOfAll?: boolean;
  /**
   * Given the table once every detail read is done (argv, uids, exe, parents, sockets) and the
   * count of unreadable entries, which detailed processes to read the fds of, for
   * ProcessInfo.openFiles (a `holds` selector; see rules/open-files-filter.ts): a readdir of
   * /proc/PID/fd and a readlink per fd, so only for processes the cheaper tests leave in.
   * Absent: no process's open files are read.
   */
  openFilesFilter?: (
    processes: readonly ProcessInfo[],
    unreadable: number,
  ) => (process: ProcessInfo) => boolean;
  /**
   * settings.reapers: processes with one of these comms get ProcessInfo.reaperEvidence (exe,
   * its owner and mode, mount and pid namespace), before the detail filter runs, since whether
   * a process is orphaned depends on it. Absent: no process is a subreaper.
   */
  reaperNames?: readonly string[];
  passwdPath?: string;
}

// Used for fixture trees without self/auxv.
const FALLBACK_CLOCK_TICKS = 100;
const FALLBACK_PAGE_SIZE = 4096;

export function readProcessTable(options: ScanOptions): Snapshot {
  const monotonic = options.monotonic ?? (() => performance.now());
  const started = monotonic();
  const takenAtMs = options.now();
  const root = options.procRoot;
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (error) {
    throw new ScanError(`cannot read the process table at ${root}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const uptimeSeconds = readUptime(root);
  const auxv = readAuxv(root);
  const clockTicks = auxv.clockTicks ?? FALLBACK_CLOCK_TICKS;
  const pageSize = auxv.pageSize ?? FALLBACK_PAGE_SIZE;

  let processes: ProcessInfo[] = [];
  let unreadable = 0;
  /** The process, or null when its stat cannot be read (counted unless it vanished). */
  const readStat = (name: string): ProcessInfo | null => {
    let stat: StatFields | null;
    try {
      stat = readStatFile(`${root}/${name}/stat`);
    } catch (error) {
      if (!isVanished(error)) unreadable += 1;
      return null;
    }
    if (!stat) {
      unreadable += 1;
      return null;
    }
    return fromStat(stat, uptimeSeconds, clockTicks, pageSize);
  };
  if (options.seeds) {
    processes = readLineages(names, [...options.seeds, 1, options.selfPid], readStat);
  }
  const partial = processes.length > 0;
  if (!partial) {
    // The whole table: no seed given, or none of them readable (the error below then counts
    // every entry, as a whole scan does).
    unreadable = 0;
    for (const name of names) {
      const first = name.charCodeAt(0);
      if (first < 48 || first > 57) continue;
      const p = readStat(name);
      if (p) processes.push(p);
    }
  }
  if (processes.length === 0) {
    throw new ScanError(
      `no process could be read under ${root} (${names.length} entries, ${unreadable} unreadable): is /proc mounted and readable?`,
    );
  }

  const users = new UserNames(options.passwdPath ?? "/etc/passwd");
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const vanished = new Set<number>();
  const detail = (p: ProcessInfo): void => {
    if (p.argv !== null || vanished.has(p.pid)) return;
    if (!readDetail(root, p, users, options)) vanished.add(p.pid);
  };
  if (options.reaperNames && options.reaperNames.length > 0) {
    const names = new Set(options.reaperNames);
    const ownMountNamespace = readMountNamespace(root, "self");
    for (const p of processes) {
      if (p.pid !== 1 && !p.kernelThread && names.has(p.comm))
        p.reaperEvidence = readReaperEvidence(root, p.pid, ownMountNamespace);
    }
  }
  const wanted = options.detailFilter(processes);
  const selected = processes.filter((p) => !p.kernelThread && wanted(p));
  for (const p of selected) detail(p);
  if (options.wantParentDetail) {
    for (const p of selected) {
      const parent = byPid.get(p.ppid);
      if (parent && !parent.kernelThread) detail(parent);
    }
  }
  if (options.wantDescendantDetail) {
    const children = childrenByParent(processes);
    const stack = selected.map((p) => p.pid);
    const visited = new Set(stack);
    while (stack.length > 0) {
      for (const child of children.get(stack.pop() as number) ?? []) {
        if (visited.has(child.pid)) continue;
        visited.add(child.pid);
        detail(child);
        stack.push(child.pid);
      }
    }
  }
  if (options.wantCgroup || options.cgroupOfAll) {
    for (const p of processes) {
      if (p.kernelThread || vanished.has(p.pid)) continue;
      if (!options.cgroupOfAll && p.argv === null) continue;
      try {
        p.cgroup = readCgroup(root, p.pid);
      } catch {
        vanished.add(p.pid);
      }
    }
  }
  const kept = vanished.size === 0 ? processes : processes.filter((p) => !vanished.has(p.pid));
  // The fd targets the socket join read, kept for the open files of the same processes.
  const fdTargets = options.openFilesFilter ? new Map<number, string[] | null>() : undefined;
  const listeners = options.wantListeners
    ? readListeners(root, kept, fdTargets, options.socketInodes)
    : undefined;
  if (options.openFilesFilter) {
    const wantFiles = options.openFilesFilter(kept, unreadable);
    for (const p of kept) {
      if (p.argv === null || p.kernelThread || !wantFiles(p)) continue;
      p.openFiles = openFilesOf(root, p.pid, fdTargets?.get(p.pid));
    }
  }
  return {
    takenAtMs,
    procRoot: root,
    clockTicks,
    uptimeMs: uptimeSeconds * 1000,
    selfPid: options.selfPid,
    processes: kept,
    ...(partial && { partial: true as const }),
    detailed: kept.reduce((n, p) => n + (p.argv !== null ? 1 : 0), 0),
    ...(options.explainOnly && { notDetailed: countNotDetailed(kept, options.explainOnly) }),
    unreadable,
    scanMs: monotonic() - started,
    ...(listeners && "table" in listeners && { listeners: listeners.table }),
    ...(listeners && "problem" in listeners && { listenersProblem: listeners.problem }),
  };
}

/**
 * The seeds' processes and their ancestors (each read once, up the ppid chain until it ends or
 * loops), in the order /proc lists them, as a whole scan would have them.
 */
function readLineages(
  names: readonly string[],
  seeds: readonly number[],
  readStat: (name: string) => ProcessInfo | null,
): ProcessInfo[] {
  const listed = new Map<string, number>();
  names.forEach((name, index) => listed.set(name, index));
  const found: [index: number, p: ProcessInfo][] = [];
  const seen = new Set<number>();
  for (const seed of seeds) {
    for (let pid = seed; pid > 0 && !seen.has(pid);) {
      seen.add(pid);
      const name = String(pid);
      const index = listed.get(name);
      // Not listed: not a process of this table (the agent's pid in a fixture tree).
      if (index === undefined) break;
      const p = readStat(name);
      if (!p) break;
      found.push([index, p]);
      pid = p.ppid;
    }
  }
  return found.sort((a, b) => a[0] - b[0]).map((f) => f[1]);
}

/** The processes without detail (kernel threads aside) that `explainOnly` says a dry run reads. */
function countNotDetailed(
  processes: readonly ProcessInfo[],
  explainOnly: (process: ProcessInfo) => boolean,
): number {
  let n = 0;
  for (const p of processes) if (p.argv === null && !p.kernelThread && explainOnly(p)) n += 1;
  return n;
}

/**
 * Sets `listening` on every detailed process from the sockets its fds point at; returns the
 * whole table. A socket shared by several processes (a forked worker inherits its parent's
 * listen socket) is listed for each holder. `listening` stays absent where it is unknown: the
 * fds are unreadable, the process is in another network namespace than the agent (its sockets
 * are not in these tables) or its namespace cannot be read, or the table itself is unreadable
 * (then for every process, and the reason is returned instead of the table).
 */
function readListeners(
  root: string,
  processes: readonly ProcessInfo[],
  fdTargets: Map<number, string[] | null> | undefined,
  known: ScanOptions["socketInodes"],
): { table: Listener[] } | { problem: string } {
  let table: Listener[];
  try {
    table = readListenerTable(root);
  } catch (error) {
    return { problem: (error as Error).message };
  }
  // The namespace the tables belong to. If the agent's own link cannot be read (fixture trees
  // have no self/ns/net; /proc/self always has it) no process's namespace is checked: every
  // process is taken to share the agent's, as before the check existed.
  const ownNamespace = readNetNamespace(root, "self");
  // Inode → position in the table, so that each process's list keeps the table's order.
  const position = new Map<number, number>();
  table.forEach((listener, index) => position.set(listener.inode, index));
  for (const p of processes) {
    if (p.argv === null) continue;
    if (ownNamespace !== null && readNetNamespace(root, p.pid) !== ownNamespace) continue;
    // Nothing listens in this namespace: no fd can match, but the fds must still be readable
    // for "listens on nothing" to be known (a readdir, without the readlink per fd).
    const read = known?.get(p.pid);
    if (table.length === 0) {
      if (read !== undefined ? read !== null : fdsReadable(root, p.pid)) p.listening = [];
      continue;
    }
    let inodes: readonly number[] | null;
    if (fdTargets) {
      // Open files are wanted too: keep every target for them.
      const targets = readFdTargets(root, p.pid, Number.POSITIVE_INFINITY);
      fdTargets.set(p.pid, targets);
      inodes = targets === null ? null : socketInodes(targets);
    } else inodes = read !== undefined ? read : readSocketInodes(root, p.pid);
    if (inodes === null) continue;
    const held = new Set<number>();
    for (const inode of inodes) {
      const index = position.get(inode);
      if (index !== undefined) held.add(index);
    }
    p.listening = [...held].sort((a, b) => a - b).map((index) => table[index] as Listener);
  }
  return { table };
}

/**
 * A process's open files: the targets the socket join already read (every fd, so over the
 * limit means unknown here too), or read now.
 */
function openFilesOf(
  root: string,
  pid: number,
  read: string[] | null | undefined,
): string[] | null {
  if (read === undefined) return readFdTargets(root, pid, OPEN_FILES_LIMIT);
  return read !== null && read.length <= OPEN_FILES_LIMIT ? read : null;
}

function fromStat(
  stat: StatFields,
  uptimeSeconds: number,
  clockTicks: number,
  pageSize: number,
): ProcessInfo {
  return {
    pid: stat.pid,
    ppid: stat.ppid,
    pgid: stat.pgid,
    sid: stat.sid,
    comm: stat.comm,
    state: stat.state,
    ...(Number.isInteger(stat.threads) && { threads: stat.threads }),
    startTicks: stat.startTicks,
    kernelThread: stat.kernelThread,
    ageMs: Math.max(0, Math.round((uptimeSeconds - stat.startTicks / clockTicks) * 1000)),
    rssBytes: stat.rssPages * pageSize,
    cpuMs: Math.round(((stat.utimeTicks + stat.stimeTicks) * 1000) / clockTicks),
    argv: null,
    uid: null,
    signalUids: null,
    user: null,
    exe: null,
  };
}

/** Fills argv, uid, user (and exe). False if the process vanished meanwhile. */
function readDetail(
  root: string,
  p: ProcessInfo,
  users: UserNames,
  options: Pick<ScanOptions, "wantExe" | "wantStatus">,
): boolean {
  const dir = `${root}/${p.pid}`;
  try {
    const cmdline = readCmdline(root, p.pid);
    p.argv = cmdline.argv;
    p.uid = cmdline.uid;
    if (cmdline.truncated) {
      p.argvTruncated = true;
      if (cmdline.bytes !== null) p.argvBytes = cmdline.bytes;
    }
    if (options.wantStatus) {
      const uids = parseStatusUids(readProcText(`${dir}/status`));
      if (uids) {
        p.uid = uids[1] as number;
        p.signalUids = [uids[0] as number, uids[2] as number];
      }
    }
  } catch (error) {
    if (isVanished(error)) return false;
    // Not ours to read (e.g. hidepid): keep what stat told us, argv stays empty.
    p.argv ??= [];
  }
  if (p.uid !== null) p.user = users.name(p.uid);
  if (options.wantExe) {
    try {
      p.exe = readlinkSync(`${dir}/exe`);
    } catch {
      // Zombies, kernel threads and other users' processes (without root) have no readable exe.
      p.exe = null;
    }
  }
  return true;
}

function readUptime(root: string): number {
  try {
    const value = parseUptime(readProcText(`${root}/uptime`));
    if (value !== null) return value;
  } catch (error) {
    throw new ScanError(`cannot read ${root}/uptime: ${(error as Error).message}`, {
      cause: error,
    });
  }
  throw new ScanError(`cannot parse ${root}/uptime`);
}

function readAuxv(root: string): { clockTicks?: number; pageSize?: number } {
  try {
    return parseAuxv(readFileSync(`${root}/self/auxv`));
  } catch {
    return {};
  }
}

class UserNames {
  private names: Map<number, string> | undefined;
  constructor(private readonly path: string) {}
  name(uid: number): string {
    if (!this.names) {
      try {
        this.names = parsePasswd(readFileSync(this.path, "utf8"));
      } catch {
        this.names = new Map();
      }
    }
    return this.names.get(uid) ?? String(uid);
  }
}
