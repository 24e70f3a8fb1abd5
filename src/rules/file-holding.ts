// Who holds a leftover file, for `no_holder`. Fail closed: a process whose fds or maps could not
// be read may hold any file, and a directory whose contents were not walked may hold anything;
// both are "unknown", which counts as held. A directory is held when its own inode or any inode
// inside it is (a pool's socket bound in /tmp/pymp-*, a worker's cwd there).
import {
  inodeKey,
  type FileHolder,
  type HolderIndex,
  type LeftoverFile,
} from "../scan/leftover-types.js";
import type { ProcessInfo } from "../scan/types.js";

/** Holders listed by name in a fact; the rest are counted. */
const NAMED_HOLDERS = 3;
/** A holder's command line is quoted up to this many characters. */
const ARGV_CHARS = 60;

export type Holding =
  { state: "free" } | { state: "held"; detail: string } | { state: "unknown"; detail: string };

export function holdingOf(
  file: LeftoverFile,
  index: HolderIndex,
  lookup: (pid: number) => ProcessInfo | undefined,
): Holding {
  const first = index.unknown[0];
  if (first) {
    const n = index.unknown.length;
    return {
      state: "unknown",
      detail: `holders unknown: ${n} ${n === 1 ? "process" : "processes"} unreadable (pid ${first.pid}: ${first.reason})`,
    };
  }
  const inodes: { dev: number; ino: number; path: string | null }[] = [
    { dev: file.dev, ino: file.ino, path: null },
  ];
  if (file.kind === "dir") {
    if (!file.contents)
      return {
        state: "unknown",
        detail: "holders unknown: the directory's contents could not be walked",
      };
    inodes.push(...file.contents);
  }
  // One line per process: "4123 (fd, map) python3 …", or with the path inside a directory.
  const byPid = new Map<number, { holder: FileHolder; hows: Set<string> }>();
  for (const { dev, ino, path } of inodes) {
    for (const holder of index.byInode.get(inodeKey(dev, ino)) ?? []) {
      const seen = byPid.get(holder.pid) ?? { holder, hows: new Set<string>() };
      seen.hows.add(path === null ? holder.how : `${holder.how} ${path}`);
      byPid.set(holder.pid, seen);
    }
  }
  if (byPid.size === 0) return { state: "free" };
  const named = [...byPid.values()]
    .slice(0, NAMED_HOLDERS)
    .map(({ holder, hows }) => describe(holder, [...hows], lookup));
  const more = byPid.size - named.length;
  return {
    state: "held",
    detail: `held by ${named.join(", ")}${more > 0 ? ` and ${more} more` : ""}`,
  };
}

function describe(
  holder: FileHolder,
  hows: string[],
  lookup: (pid: number) => ProcessInfo | undefined,
): string {
  const p = lookup(holder.pid);
  // The same pid with another start time is another process: only the pid is known then.
  const same = p !== undefined && p.startTicks === holder.startTicks;
  const command = same ? (p.argv && p.argv.length > 0 ? p.argv.join(" ") : p.comm) : "";
  const cut = command.length > ARGV_CHARS ? `${command.slice(0, ARGV_CHARS)}…` : command;
  return `${holder.pid} (${hows.join(", ")})${cut ? ` ${cut}` : ""}`;
}
