// Who holds the watched leftover files (issue 12): for every process, its memory mappings, its
// open fds, its cwd and the unix sockets it holds that are bound inside a watched directory.
// Keyed by dev:inode (leftover-types.ts), so a file renamed, unlinked or reached through
// another path still matches.
//
// Cost per process, and nothing per watched file:
//   maps   one read of /proc/PID/maps; each line's dev compared with the watched devs (a Set),
//          its inode parsed only then. No stat: maps carry dev and inode.
//   fds    one readdir and one readlink per fd (scan/fd-targets.ts), bounded by
//          HOLDER_FD_LIMIT; a stat through /proc/PID/fd/N only for a target inside a watched
//          directory (or a bind mount of it) or " (deleted)". In another mount namespace (than the agent's or PID 1's) the target paths are that
//          namespace's, not ours: there every fd but sockets, pipes and anon inodes is stat'ed.
//   cwd    one stat of /proc/PID/cwd.
//   ns     one readlink of /proc/PID/ns/mnt; of ns/net only for a process holding a socket.
//   socket the agent's /proc/net/unix once; another network namespace's once per namespace.
// A process that cannot be read (maps or fds EACCES, maps over MAPS_MAX_BYTES, over
// HOLDER_FD_LIMIT fds, a socket table unreadable, a unix socket bound by a relative path) is
// `unknown`: the plan then treats every file as held (fail closed). One that is
// gone (its pid no longer has the start time it was scanned with) holds nothing.
import { readFileSync, readlinkSync, statSync } from "node:fs";
import { OVER_LIMIT, readFdEntries, type FdEntry } from "./fd-targets.js";
import {
  inodeKey,
  type FileHolder,
  type HolderIndex,
  type HoldKind,
  type InodeKey,
  type LeftoverFile,
} from "./leftover-types.js";
import { eachMappedInodeIn } from "./maps-inodes.js";
import type { StatFields } from "./parse-stat.js";
import { isVanished, readProcBytesToEnd, readStatFile, TooLongError } from "./read-file.js";

/**
 * A process's maps are read up to this much (a 10,000-mapping JVM: about 1.5 MB); longer, it
 * is unknown (it may hold anything), so that no process can make the agent read 256 MB.
 */
export const MAPS_MAX_BYTES = 16 * 2 ** 20;

/**
 * Fds read per process for the holder check: far above the `holds` selector's OPEN_FILES_LIMIT,
 * since here one unknown process stops every removal (a database or JVM holds tens of
 * thousands; a readlink costs about 8 µs, so 65,536 cost half a second, once, for that one).
 */
export const HOLDER_FD_LIMIT = 65_536;
import { socketInodes } from "./listeners.js";
import { withMountAliases } from "./mount-aliases.js";
import { parseUnixSockets } from "./unix-sockets.js";

export interface HolderTargets {
  /** The st_dev of every watched file (a mapping on another device is skipped unread). */
  devs: ReadonlySet<number>;
  /** Every watched file, and every inode inside a watched directory entry. */
  inodes: ReadonlySet<InodeKey>;
  /** The watched directories (absolute, normalised): fd targets inside them are stat'ed. */
  paths: readonly string[];
  /**
   * The listed files and directory contents by path, for unix sockets bound inside a watched
   * directory (matched by the path the binder gave; the socket file is never lstat'ed).
   */
  byPath?: ReadonlyMap<string, InodeKey>;
}

/** What to look for: the files (and every inode inside a directory entry) and their directories. */
export function holderTargets(
  files: readonly LeftoverFile[],
  dirs: readonly string[],
): HolderTargets {
  const devs = new Set<number>();
  const inodes = new Set<InodeKey>();
  const byPath = new Map<string, InodeKey>();
  for (const f of files) {
    devs.add(f.dev);
    inodes.add(inodeKey(f.dev, f.ino));
    byPath.set(f.path, inodeKey(f.dev, f.ino));
    for (const c of f.contents ?? []) {
      devs.add(c.dev);
      inodes.add(inodeKey(c.dev, c.ino));
      byPath.set(c.path, inodeKey(c.dev, c.ino));
    }
  }
  return { devs, inodes, paths: [...new Set(dirs)], byPath };
}

export interface HolderProcess {
  pid: number;
  startTicks: number;
  /** Kernel threads map and open nothing: skipped. */
  kernelThread?: boolean;
}

export interface HolderOptions {
  /** Monotonic ms, for `ms` (default performance.now). */
  monotonic?: () => number;
  /** At most this many fds per process; more: unknown (default HOLDER_FD_LIMIT). */
  fdLimit?: number;
}

type Hit = [InodeKey, HoldKind];

export function readHolders(
  procRoot: string,
  targets: HolderTargets,
  processes: readonly HolderProcess[],
  options: HolderOptions = {},
): HolderIndex {
  const monotonic = options.monotonic ?? (() => performance.now());
  const started = monotonic();
  const reader = new HolderReader(procRoot, targets, options.fdLimit ?? HOLDER_FD_LIMIT);
  const index: HolderIndex = { byInode: new Map(), unknown: [], scanned: 0, ms: 0 };
  for (const p of processes) {
    if (p.kernelThread) continue;
    index.scanned += 1;
    const read = reader.read(p.pid);
    if (typeof read === "string") {
      // Gone: it holds nothing. Still there: unknown, even as another process (a pid reused
      // since the scan), which is just as unreadable and may hold any of them.
      const now = reader.startTicksNow(p.pid);
      if (now !== null) {
        // -1: not scanned (process-ids.ts could not read its stat either): no start to compare.
        const reused =
          p.startTicks >= 0 && now !== p.startTicks ? " (its pid was reused since the scan)" : "";
        index.unknown.push({ pid: p.pid, reason: `${read}${reused}` });
      }
      continue;
    }
    if (read.length === 0) continue;
    // Its start time now: a pid reused since the scan is another process, and it is the one
    // that holds these (only processes holding something pay this read).
    const startTicks = reader.startTicksNow(p.pid);
    if (startTicks === null) continue;
    const seen = new Set<string>();
    for (const [key, how] of read) {
      if (seen.has(`${key} ${how}`)) continue;
      seen.add(`${key} ${how}`);
      const holder: FileHolder = { pid: p.pid, startTicks, how };
      const list = index.byInode.get(key);
      if (list) list.push(holder);
      else index.byInode.set(key, [holder]);
    }
  }
  index.ms = monotonic() - started;
  return index;
}

const NOT_FILES = ["socket:", "pipe:", "anon_inode:"];

class HolderReader {
  private readonly prefixes: string[];
  private readonly selfMountNs: string | null;
  private readonly selfNetNs: string | null;
  /** Socket tables by network namespace ("net:[…]"); null: unreadable. */
  private readonly socketTables = new Map<string, Map<number, string> | null>();
  /** Bound socket path → the socket file's key (null: not a watched file). */
  private readonly hostMountNs: string | null;

  constructor(
    private readonly root: string,
    private readonly targets: HolderTargets,
    private readonly fdLimit: number,
  ) {
    // Also by the paths bind mounts give the same directories (mount-aliases.ts).
    const dirs = withMountAliases(root, targets.paths);
    this.prefixes = dirs.map((p) => (p.endsWith("/") ? p : `${p}/`));
    this.selfMountNs = this.link("self", "ns/mnt");
    // PID 1's too: under the shipped unit (ProtectSystem=, PrivateDevices=) the agent has a
    // mount namespace of its own, whose paths are the host's: without this every fd of every
    // host process would be stat'ed (a stat that can hang on a dead NFS or FUSE file).
    this.hostMountNs = this.link(1, "ns/mnt");
    this.selfNetNs = this.link("self", "ns/net");
  }

  /** The watched inodes a process holds, or why they cannot be known. */
  read(pid: number): Hit[] | string {
    const hits: Hit[] = [];
    const maps = this.maps(pid, hits);
    if (maps !== null) return maps;
    const fds = this.fds(pid, hits);
    if (fds !== null) return fds;
    return this.cwd(pid, hits) ?? hits;
  }

  /** Null when read; else why not. */
  private maps(pid: number, hits: Hit[]): string | null {
    let read: { bytes: Buffer; length: number };
    try {
      // Bytes, parsed before anything else is read (the shared buffer): paths are not needed.
      read = readProcBytesToEnd(`${this.root}/${pid}/maps`, MAPS_MAX_BYTES);
    } catch (error) {
      if (error instanceof TooLongError) return `maps over ${MAPS_MAX_BYTES / 2 ** 20} MiB`;
      return `maps: ${code(error)}`;
    }
    const { inodes } = this.targets;
    const lines = eachMappedInodeIn(read.bytes, read.length, this.targets.devs, (dev, ino) => {
      const key = inodeKey(dev, ino);
      if (inodes.has(key)) hits.push([key, "map"]);
    });
    if (lines > 0) return null;
    // No mappings: a zombie (it holds nothing), or a process whose main thread exited while
    // others run (its maps and fds read empty then, though the threads hold both).
    const stat = this.stat(pid);
    if (stat && stat.state === "Z" && stat.threads > 1) {
      return "its main thread exited: its threads' maps and fds are not read";
    }
    return null;
  }

  private fds(pid: number, hits: Hit[]): string | null {
    const entries = readFdEntries(this.root, pid, this.fdLimit);
    if (entries === OVER_LIMIT) return `more than ${this.fdLimit} open fds`;
    if (typeof entries === "string") return `fds: ${entries}`;
    if (entries.length === 0) return null;
    const ns = this.link(pid, "ns/mnt");
    const ours = ns !== null && (ns === this.selfMountNs || ns === this.hostMountNs);
    const sockets: number[] = [];
    for (const entry of entries) {
      if (entry.target.startsWith("socket:[")) {
        sockets.push(...socketInodes([entry.target]));
        continue;
      }
      if (!this.mayHold(entry, ours)) continue;
      let key: InodeKey;
      try {
        const stat = statSync(`${this.root}/${pid}/fd/${entry.fd}`);
        key = inodeKey(stat.dev, stat.ino);
      } catch (error) {
        if (code(error) === "ENOENT") continue; // closed since it was listed
        return `fd ${entry.fd}: ${code(error)}`;
      }
      if (this.targets.inodes.has(key)) hits.push([key, "fd"]);
    }
    return sockets.length > 0 ? this.sockets(pid, sockets, hits) : null;
  }

  /** Whether an fd's target may be a watched file, without a stat. */
  private mayHold(entry: FdEntry, ours: boolean): boolean {
    const target = entry.target;
    if (NOT_FILES.some((prefix) => target.startsWith(prefix))) return false;
    // Another mount namespace's paths name its files, not ours: only a stat can tell.
    if (!ours) return true;
    return target.endsWith(" (deleted)") || this.prefixes.some((p) => target.startsWith(p));
  }

  /** The watched socket files among a process's socket inodes. */
  private sockets(pid: number, inodes: number[], hits: Hit[]): string | null {
    const table = this.socketTable(pid);
    if (table === null) return "unix sockets: its network namespace's table cannot be read";
    if (table.size === 0) return null;
    for (const inode of inodes) {
      const path = table.get(inode);
      if (path === undefined) continue;
      // A path relative to the binder's cwd then: where it is cannot be told (fail closed).
      if (!path.startsWith("/"))
        return `a unix socket bound by a relative path (${path.slice(0, 80)})`;
      // The file the scan listed at that path (a directory entry's contents): never a lstat of
      // the text the process chose, which could lead the agent through symlinks to a dead mount.
      const key = this.targets.byPath?.get(path);
      if (key !== undefined) hits.push([key, "socket"]);
    }
    return null;
  }

  private socketTable(pid: number): Map<number, string> | null {
    const ns = this.link(pid, "ns/net");
    const own = ns !== null && ns === this.selfNetNs;
    const cacheKey = own ? "self" : ns;
    if (cacheKey !== null) {
      const cached = this.socketTables.get(cacheKey);
      if (cached !== undefined) return cached;
    }
    let table: Map<number, string> | null;
    try {
      // Not readProcText: /proc/net files come one page per read(); readFileSync reads to EOF.
      const path = own ? `${this.root}/net/unix` : `${this.root}/${pid}/net/unix`;
      table = parseUnixSockets(readFileSync(path, "latin1"), this.prefixes);
    } catch {
      table = null;
    }
    if (cacheKey !== null) this.socketTables.set(cacheKey, table);
    return table;
  }

  private cwd(pid: number, hits: Hit[]): string | null {
    try {
      const stat = statSync(`${this.root}/${pid}/cwd`);
      const key = inodeKey(stat.dev, stat.ino);
      if (this.targets.inodes.has(key)) hits.push([key, "cwd"]);
      return null;
    } catch (error) {
      // ENOENT: gone, or exiting (its fs already released): it holds no cwd either way.
      return code(error) === "ENOENT" ? null : `cwd: ${code(error)}`;
    }
  }

  /** Its start time now; null when the pid is gone. */
  startTicksNow(pid: number): number | null {
    return this.stat(pid)?.startTicks ?? null;
  }

  private stat(pid: number): StatFields | null {
    try {
      return readStatFile(`${this.root}/${pid}/stat`);
    } catch (error) {
      if (isVanished(error)) return null;
      throw error;
    }
  }

  private link(who: number | "self", what: string): string | null {
    try {
      return readlinkSync(`${this.root}/${who}/${what}`);
    } catch {
      return null;
    }
  }
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
