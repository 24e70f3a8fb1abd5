// Reading a file root is told to trust: the rules file and `{ file: PATH }` secrets.
//
// Only a regular file is read (a FIFO, /dev/zero or a directory is refused before anything
// blocks), at most `maxBytes` of it. As root, the file and every directory that decides which
// file the path names must be owned by root (or the effective user) and writable by nobody else:
// whoever can write any of them chooses what root reads. Symlinks are followed (a deployed
// /etc/cleanup/rules.yaml → /srv/deploy/… is common), but every link and every directory on the
// way is checked, and the descriptor actually read is compared (device, inode) with the file
// the checked path resolved to.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  readSync,
} from "node:fs";
import type { Stats } from "node:fs";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";

export interface TrustOptions {
  /** The effective uid; the checks of owners and modes apply only to root (0). */
  euid?: number;
  /** Accept this file whatever its owner and mode (--allow-untrusted-config). */
  allowUntrusted?: boolean;
  /** Files or directories (and what is under them) accepted whoever owns or can write them. */
  trustPaths?: readonly string[];
}

/** A file that is not read: the message names the path and why, never any of its content. */
export class UntrustedFileError extends Error {
  constructor(
    readonly path: string,
    /** Why, without the path: "not a regular file (a FIFO)". */
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = "UntrustedFileError";
  }
}

/** The kernel's own limit on symlinks followed in one lookup (MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

/**
 * The file's bytes, or UntrustedFileError (not a regular file, too large, untrusted) or an fs
 * error (ENOENT, EACCES) for the caller to word.
 */
export function readTrustedFile(
  path: string,
  maxBytes: number,
  options: TrustOptions = {},
): Buffer {
  const file = resolve(path);
  // Checked before opening too: opening a device can have effects (a tape rewinds, a watchdog
  // starts), and a FIFO opened without O_NONBLOCK waits for a writer.
  const problem = trustProblem(file, options);
  if (problem) throw new UntrustedFileError(file, problem);
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stat = fstatSync(fd);
    const kind = fileKind(stat);
    const checked = resolveLinks(file);
    if (kind !== "regular file") throw new UntrustedFileError(file, notRegular(kind, checked));
    if (stat.dev !== checked.final.dev || stat.ino !== checked.final.ino) {
      throw new UntrustedFileError(file, "changed while it was being checked; not read");
    }
    const untrusted = fileTrustProblem(file, stat, options) ?? directoriesProblem(checked, options);
    if (untrusted) throw new UntrustedFileError(file, untrusted);
    if (stat.size > maxBytes) throw new UntrustedFileError(file, tooLarge(stat.size, maxBytes));
    return readAtMost(fd, file, maxBytes);
  } finally {
    closeSync(fd);
  }
}

/**
 * Why `path` would be refused, without opening it; undefined if it would be read (or does not
 * exist: the caller decides what a missing file means). For `cleanup check` on secret files.
 */
export function trustProblem(path: string, options: TrustOptions = {}): string | undefined {
  const file = resolve(path);
  let chain: Chain;
  try {
    chain = resolveLinks(file);
  } catch (error) {
    if (error instanceof UntrustedFileError) return error.reason;
    return undefined;
  }
  const kind = fileKind(chain.final);
  if (kind !== "regular file") return notRegular(kind, chain);
  return fileTrustProblem(file, chain.final, options) ?? directoriesProblem(chain, options);
}

interface Lookup {
  /** The directory whose entry was looked up, and its lstat. */
  dir: string;
  dirStat: Stats;
  /** The entry found there (a link on the way or the file itself) and its lstat. */
  entry: string;
  entryStat: Stats;
}

interface Chain {
  lookups: Lookup[];
  /** Where the links led, and its lstat. */
  finalPath: string;
  final: Stats;
}

function notRegular(kind: string, chain: Chain): string {
  const via = chain.lookups.some((l) => l.entryStat.isSymbolicLink())
    ? `, via symlinks: ${chain.finalPath}`
    : "";
  return `not a regular file (${kind}${via})`;
}

/**
 * Resolves `file` one component at a time, as the kernel does, recording every directory
 * consulted and every symlink followed, so each can be checked.
 */
function resolveLinks(file: string): Chain {
  const lookups: Lookup[] = [];
  const pending = file.split(sep).filter(Boolean);
  let current = "/";
  let links = 0;
  let last: Stats | undefined;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === ".") continue;
    if (part === "..") {
      current = dirname(current);
      continue;
    }
    const entry = join(current, part);
    const entryStat = lstatSync(entry);
    lookups.push({ dir: current, dirStat: lstatSync(current), entry, entryStat });
    if (entryStat.isSymbolicLink()) {
      links += 1;
      if (links > MAX_SYMLINKS) {
        throw new UntrustedFileError(file, `more than ${MAX_SYMLINKS} symlinks on the way`);
      }
      const target = readlinkSync(entry, "utf8");
      pending.unshift(...target.split(sep).filter(Boolean));
      if (isAbsolute(target)) current = "/";
      last = undefined;
      continue;
    }
    current = entry;
    last = entryStat;
  }
  if (!last) last = lstatSync(current);
  return { lookups, finalPath: current, final: last };
}

function fileTrustProblem(file: string, stat: Stats, options: TrustOptions): string | undefined {
  const euid = options.euid ?? process.geteuid?.() ?? 0;
  if (euid !== 0 || options.allowUntrusted || isTrusted(file, options.trustPaths)) return undefined;
  if (stat.uid !== 0 && stat.uid !== euid) {
    return `refused: owned by ${owner(stat.uid)}, mode ${mode(stat)}; as root, cleanup reads only files that root owns`;
  }
  if ((stat.mode & 0o022) !== 0) {
    return `refused: ${writableBy(stat)} (owner ${owner(stat.uid)}, mode ${mode(stat)}), so another user could change it`;
  }
  return undefined;
}

function directoriesProblem(chain: Chain, options: TrustOptions): string | undefined {
  const euid = options.euid ?? process.geteuid?.() ?? 0;
  if (euid !== 0 || options.allowUntrusted) return undefined;
  for (const { dir, dirStat, entry, entryStat } of chain.lookups) {
    if (isTrusted(dir, options.trustPaths)) continue;
    const trustedOwner = (uid: number): boolean => uid === 0 || uid === euid;
    if (!trustedOwner(dirStat.uid)) {
      return `refused: directory ${dir} on its path is owned by ${owner(dirStat.uid)}, mode ${mode(dirStat)}, so that user could replace ${entry}`;
    }
    if ((dirStat.mode & 0o022) === 0) continue;
    // In a sticky directory (/tmp) others may add entries but not rename or remove ours: only an
    // entry (a link, the file) that someone else owns is theirs to change.
    const sticky = (dirStat.mode & 0o1000) !== 0;
    if (!sticky) {
      return `refused: directory ${dir} on its path is ${writableBy(dirStat)} (owner ${owner(dirStat.uid)}, mode ${mode(dirStat)}, no sticky bit), so another user could replace ${entry}`;
    }
    if (!trustedOwner(entryStat.uid) && !isTrusted(entry, options.trustPaths)) {
      return `refused: ${entry} is owned by ${owner(entryStat.uid)} in the shared directory ${dir} (mode ${mode(dirStat)})`;
    }
  }
  return undefined;
}

function isTrusted(path: string, trustPaths: readonly string[] | undefined): boolean {
  return (trustPaths ?? []).some((p) => {
    const base = resolve(p);
    return path === base || path.startsWith(base.endsWith(sep) ? base : base + sep);
  });
}

function readAtMost(fd: number, file: string, maxBytes: number): Buffer {
  const buffer = Buffer.alloc(Math.min(maxBytes + 1, 64 * 1024));
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    if (n === 0) break;
    total += n;
    // The file grew after fstat (or its size lies, as in /proc): stop at the cap, not at EOF.
    if (total > maxBytes)
      throw new UntrustedFileError(file, tooLarge(total, maxBytes, "at least "));
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(size: number, maxBytes: number, prefix = ""): string {
  return `too large (${prefix}${size} bytes, at most ${maxBytes})`;
}

function fileKind(stat: Stats): string {
  if (stat.isFile()) return "regular file";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isDirectory()) return "a directory";
  if (stat.isSocket()) return "a socket";
  return "not a file";
}

function writableBy(stat: Stats): string {
  const group = (stat.mode & 0o020) !== 0;
  const world = (stat.mode & 0o002) !== 0;
  return group && world ? "group- and world-writable" : group ? "group-writable" : "world-writable";
}

function mode(stat: Stats): string {
  return `0${(stat.mode & 0o7777).toString(8).padStart(3, "0")}`;
}

let userNames: Map<number, string> | undefined;

/** "uid 65534 (nobody)"; the name from /etc/passwd when it has one. */
function owner(uid: number): string {
  if (!userNames) {
    userNames = new Map();
    try {
      for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
        const [name, , id] = line.split(":");
        if (name && id && /^\d+$/.test(id) && !userNames.has(Number(id)))
          userNames.set(Number(id), name);
      }
    } catch {
      // Without /etc/passwd the uid alone names the owner.
    }
  }
  const name = userNames.get(uid);
  return name ? `uid ${uid} (${name})` : `uid ${uid}`;
}
