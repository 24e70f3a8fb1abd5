// `cleanup status`, without any rule: how full /dev/shm is, and its largest files with who holds
// each (pid and command line, or "no holder"), so an operator sees at once whether the RAM is a
// live pool's or leaked. A segment a dead pool left (psm_*, sem.mp-*, torch_*) is held by
// nobody; a live one is mapped by its pool. Who holds is read as the `files:` rules read it
// (scan/file-holders.ts): maps, fds, cwds, unix sockets, by inode; a process whose holdings
// cannot be read might hold any of them, and the section says how many such there are.
import { argvExcerpt, type ArgvExcerpt } from "../shared/argv-excerpt.js";
import { holderTargets, readHolders } from "../scan/file-holders.js";
import { listDir } from "../scan/leftover-files.js";
import { withUnscanned } from "../scan/process-ids.js";
import { inodeKey, type HoldKind, type LeftoverFile } from "../scan/leftover-types.js";
import type { ProcessInfo } from "../scan/types.js";
import { UserNames, withDetails } from "./process-details.js";
import { readDisks } from "./statfs.js";
import type { DiskMetrics } from "./types.js";

export const SHM_DIR = "/dev/shm";
/** The largest files listed (their holders read). */
export const SHM_LARGEST = 10;

export interface ShmHolder extends ArgvExcerpt {
  pid: number;
  how: HoldKind;
  /** Empty when it is not in the scan (started since). */
  comm: string;
  user: string | null;
}

export interface ShmFile {
  path: string;
  kind: LeftoverFile["kind"];
  sizeBytes: number;
  user: string;
  /** Since its last modification (mtime). */
  ageMs: number;
  holders: ShmHolder[];
}

export interface ShmUsage {
  dir: string;
  disk: DiskMetrics;
  /** Entries listed (all of them unless truncated). */
  entries: number;
  totalBytes: number;
  truncated: boolean;
  /** Why the directory could not be listed. */
  problem?: string;
  largest: ShmFile[];
  /** Processes whose holdings could not be read: any of them may hold a file listed as unheld. */
  holdersUnknown: { pid: number; reason: string }[];
}

export interface ShmOptions {
  dir?: string;
  procRoot: string;
  passwdPath?: string;
  nowMs: number;
  statfsTimeoutMs: number;
}

export async function readShmUsage(
  processes: readonly ProcessInfo[],
  options: ShmOptions,
): Promise<ShmUsage> {
  const dir = options.dir ?? SHM_DIR;
  const [disk] = await readDisks([dir], options.statfsTimeoutMs, options.procRoot);
  const listing = listDir(dir, () => true);
  const largest = [...listing.files]
    .sort((a, b) => b.sizeBytes - a.sizeBytes || a.name.localeCompare(b.name))
    .slice(0, SHM_LARGEST);
  const holders =
    largest.length > 0
      ? readHolders(
          options.procRoot,
          holderTargets(largest, [dir]),
          withUnscanned(processes, options.procRoot),
        )
      : { byInode: new Map(), unknown: [], scanned: 0, ms: 0 };
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const users = new UserNames(options.passwdPath);
  const holdersOf = (f: LeftoverFile): ShmHolder[] => {
    const found = [
      ...(holders.byInode.get(inodeKey(f.dev, f.ino)) ?? []),
      ...(f.contents ?? []).flatMap((c) => holders.byInode.get(inodeKey(c.dev, c.ino)) ?? []),
    ];
    const seen = new Set<number>();
    const out: ShmHolder[] = [];
    for (const h of found) {
      if (seen.has(h.pid)) continue;
      seen.add(h.pid);
      const p = byPid.get(h.pid);
      const detailed =
        p && p.startTicks === h.startTicks ? withDetails(p, options.procRoot, users) : null;
      out.push({
        pid: h.pid,
        how: h.how,
        comm: detailed?.comm ?? "",
        user: detailed?.user ?? null,
        ...argvExcerpt(detailed?.argv ?? [], {
          truncated: detailed?.argvTruncated === true,
          bytes: detailed?.argvBytes ?? null,
        }),
      });
    }
    return out.sort((a, b) => a.pid - b.pid);
  };
  return {
    dir,
    disk: disk!,
    entries: listing.files.length,
    totalBytes: listing.files.reduce((sum, f) => sum + f.sizeBytes, 0),
    truncated: listing.truncated,
    ...(listing.problem !== undefined && { problem: listing.problem }),
    largest: largest.map((f) => ({
      path: f.path,
      kind: f.kind,
      sizeBytes: f.sizeBytes,
      user: users.of(f.uid),
      ageMs: Math.max(0, options.nowMs - f.mtimeMs),
      holders: holdersOf(f),
    })),
    holdersUnknown: holders.unknown,
  };
}
