// Leftover files (issue 12): what the scan found in the directories the `files:` rules name,
// and who holds them. Plain data, like Snapshot, so the file plan can be pure and tests can
// build one by hand. The scan edges (leftover-files.ts, file-holders.ts) fill these; the pure
// plan (rules/file-plan.ts) judges them; act/file-removal.ts re-checks before each unlink.

/** One entry of a watched directory, from lstat: never followed through a symlink. */
export interface LeftoverFile {
  /** `${dir}/${name}`: the directory as the rule names it, and the entry's own name. */
  path: string;
  /** The rule's directory: absolute, literal (no glob), normalised, never left. */
  dir: string;
  /** One path component: no "/", not "." or "..". */
  name: string;
  /** A symlink, socket, fifo or device is listed as "other" and never removed. */
  kind: "file" | "dir" | "other";
  dev: number;
  ino: number;
  uid: number;
  /**
   * The owner's name from /etc/passwd (as the process scan names users); absent when the uid
   * has none or it was not looked up. A rule's `owner` given as a name matches only with it.
   */
  user?: string;
  /** st_size of a file; of a directory, the sum of its files' sizes (bounded walk, see contents). */
  sizeBytes: number;
  mtimeMs: number;
  ctimeMs: number;
  /**
   * For a directory: its entries (bounded depth and count), so a holder of a file inside it
   * (an fd, a mapping, a unix socket bound there, a cwd) holds the directory. Null = the walk
   * was cut or failed: the contents are unknown and the directory is never removed.
   */
  contents?: { dev: number; ino: number; path: string }[] | null;
}

/** Why a process holds a file. */
export type HoldKind = "fd" | "map" | "cwd" | "socket";

export interface FileHolder {
  pid: number;
  /** With pid, the process's identity (field 22 of stat). */
  startTicks: number;
  how: HoldKind;
}

/** `${dev}:${ino}`: how holders are keyed (a path can be renamed or replaced; an inode cannot). */
export type InodeKey = `${number}:${number}`;

export function inodeKey(dev: number, ino: number): InodeKey {
  return `${dev}:${ino}`;
}

/**
 * Who holds the watched files. A process whose fds or maps cannot be read (another user's
 * without root, too many fds, it vanished mid-read) may hold any of them: it is listed in
 * `unknown`, and the plan treats every file as held while it is non-empty (fail closed).
 */
export interface HolderIndex {
  byInode: Map<InodeKey, FileHolder[]>;
  /** Processes whose holdings could not be read, with why. */
  unknown: { pid: number; reason: string }[];
  /** Processes looked at. */
  scanned: number;
  ms: number;
}

/** One rule's directory listing. */
export interface DirListing {
  dir: string;
  files: LeftoverFile[];
  /** The listing stopped at its entry limit: files past it were not seen. */
  truncated: boolean;
  /** Why the directory could not be listed (missing, a symlink, not a directory, EACCES). */
  problem?: string;
}
