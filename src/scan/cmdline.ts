// Command lines are chosen by whoever started the process, up to ARG_MAX (2 MiB and more):
// the agent reads and matches only the first CMDLINE_LIMIT_BYTES of one, and marks the process
// when there was more (with the whole size where the kernel tells it). Measured with a 1 MiB
// argv: read whole, every rule regex ran over all of it and every report copied it. What a
// plan, report or audit line carries of it is smaller still: shared/argv-excerpt.ts.
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { parseCmdline } from "./parse-misc.js";

/** Bytes of /proc/PID/cmdline read and matched; the rest is never read. */
export const CMDLINE_LIMIT_BYTES = 64 * 1024;

export interface Cmdline {
  argv: string[];
  /** The file went on past CMDLINE_LIMIT_BYTES: the last argument is cut. */
  truncated: boolean;
  /**
   * The whole command line's size in bytes (NULs included): exact when not truncated; when
   * truncated, the argv area's size from /proc/PID/stat (arg_end - arg_start), or null if
   * that is not readable.
   */
  bytes: number | null;
  /** Owner of /proc/PID/cmdline: the effective uid (root if the process is not dumpable). */
  uid: number;
}

// One buffer for every read, as in read-file.ts: no allocation per process.
const buffer = Buffer.allocUnsafe(CMDLINE_LIMIT_BYTES + 1);

/**
 * At most CMDLINE_LIMIT_BYTES of /proc/PID/cmdline (one byte more is read to know it was cut).
 * Throws the fs error (see isVanished in read-file.ts). The scan and every later re-read of a
 * target (identity before a signal) read it here, so both see the same bytes.
 */
export function readCmdline(procRoot: string, pid: number): Cmdline {
  const path = `${procRoot}/${pid}/cmdline`;
  const fd = openSync(path, constants.O_RDONLY);
  let length = 0;
  let uid: number;
  try {
    uid = fstatSync(fd).uid;
    // The kernel may return less than asked (a page at a time): read until full or the end.
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
  } finally {
    closeSync(fd);
  }
  const truncated = length > CMDLINE_LIMIT_BYTES;
  const text = buffer.toString("utf8", 0, Math.min(length, CMDLINE_LIMIT_BYTES));
  return {
    argv: parseCmdline(text),
    truncated,
    bytes: truncated ? argvAreaBytes(procRoot, pid) : length,
    uid,
  };
}

/** Fields 48 and 49 of /proc/PID/stat (Linux 3.5+; 0 without ptrace access to the process). */
function argvAreaBytes(procRoot: string, pid: number): number | null {
  try {
    const text = readFileSync(`${procRoot}/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state): field N is fields[N - 3].
    const start = Number(fields[45]);
    const end = Number(fields[46]);
    return Number.isSafeInteger(start) && Number.isSafeInteger(end) && end > start
      ? end - start
      : null;
  } catch {
    return null;
  }
}
