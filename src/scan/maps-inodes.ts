// The files a process maps: /proc/PID/maps lines with an inode. Each line carries the mapped
// file's device and inode, so a mapping is matched to a watched file without a stat, and
// whatever its path reads (a file unlinked since, a path in another mount namespace).
//   7f2c1c000000-7f2c1c100000 rw-s 00000000 00:1a 12345   /dev/shm/psm_ab12 (deleted)
// Parsed from the bytes read (scan/read-file.ts readProcBytesToEnd), one byte at a time: the
// holder read reads every process's maps, and a text of each (a Python process's: 30 kB) was
// garbage the moment it was parsed.
import { makedev } from "./proc-dev.js";

const NEWLINE = 0x0a;
const SPACE = 0x20;
const COLON = 0x3a;

/** eachMappedInode of maps text read as Latin-1 (one character a byte). */
export function eachMappedInode(
  text: string,
  devs: ReadonlySet<number>,
  each: (dev: number, ino: number) => void,
): number {
  const bytes = Buffer.from(text, "latin1");
  return eachMappedInodeIn(bytes, bytes.length, devs, each);
}

/**
 * Calls `each(dev, ino)` for every mapping of a file on one of `devs` in the first `length`
 * bytes of `bytes`, in their order (a file mapped in several pieces comes once per piece).
 * Walks the bytes by index, one line at a time: a JVM's maps run to tens of thousands of lines.
 * Malformed lines are skipped. Returns the number of lines (0: no mappings at all, which a live
 * user process never has).
 */
export function eachMappedInodeIn(
  bytes: Buffer,
  length: number,
  devs: ReadonlySet<number>,
  each: (dev: number, ino: number) => void,
): number {
  let lines = 0;
  for (let start = 0; start < length;) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0 || end > length) end = length;
    lines += 1;
    // address perms offset dev inode [path]: the four spaces before the inode, on this line.
    const s1 = spaceIn(bytes, start, end);
    const s2 = s1 < 0 ? -1 : spaceIn(bytes, s1 + 1, end);
    const s3 = s2 < 0 ? -1 : spaceIn(bytes, s2 + 1, end);
    const s4 = s3 < 0 ? -1 : spaceIn(bytes, s3 + 1, end);
    if (s4 > 0) {
      const dev = devIn(bytes, s3 + 1, s4);
      if (dev !== null && devs.has(dev)) {
        let s5 = spaceIn(bytes, s4 + 1, end);
        if (s5 < 0) s5 = end;
        const ino = decimalIn(bytes, s4 + 1, s5);
        if (Number.isSafeInteger(ino) && ino > 0) each(dev, ino);
      }
    }
    start = end + 1;
  }
  return lines;
}

/** The first space in bytes[from, end), or -1. */
function spaceIn(bytes: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) if (bytes[i] === SPACE) return i;
  return -1;
}

/**
 * "fe:00" in bytes[start, end) (hex, as maps prints it) → st_dev, as proc-dev.ts mapsDev of
 * that text: each part 1 to 8 hex digits; null if malformed.
 */
function devIn(bytes: Buffer, start: number, end: number): number | null {
  let colon = -1;
  for (let i = start; i < end; i++) {
    if (bytes[i] === COLON) {
      colon = i;
      break;
    }
  }
  if (colon <= start || colon === end - 1) return null;
  const major = hexIn(bytes, start, colon);
  const minor = hexIn(bytes, colon + 1, end);
  return major === null || minor === null ? null : makedev(major, minor);
}

function hexIn(bytes: Buffer, start: number, end: number): number | null {
  if (end - start < 1 || end - start > 8) return null;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) digit = c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x46) digit = c - 0x41 + 10;
    else return null;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * The inode field, as Number() of its text: the kernel's plain decimal digits read as they
 * come; anything else (never written by a kernel) goes through Number() itself.
 */
function decimalIn(bytes: Buffer, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = (bytes[i] as number) - 0x30;
    if (digit < 0 || digit > 9) return Number(bytes.toString("latin1", start, end));
    value = value * 10 + digit;
  }
  return end > start ? value : Number("");
}
