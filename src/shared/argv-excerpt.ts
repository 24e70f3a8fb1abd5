// What a plan, a report, --json and the audit log carry of a command line: its first
// ARGV_EXCERPT_CHARS characters, marked when cut. Any user chooses their argv (up to ARG_MAX,
// 2 MiB and more); a copy in every audit line and report entry is theirs to inflate.

/** Characters of argv (joined by spaces) a plan, report, --json and the audit log carry. */
export const ARGV_EXCERPT_CHARS = 4096;

export interface ArgvExcerpt {
  argv: string[];
  /** Set only when something was cut, here or by the read. */
  argvTruncated?: true;
  /** The whole command line's size in bytes, when cut and known. */
  argvBytes?: number;
}

/**
 * The first ARGV_EXCERPT_CHARS characters of argv (counting one space between arguments), the
 * last argument kept cut. `read` says whether the read already cut it and the whole size.
 */
export function argvExcerpt(
  argv: readonly string[],
  read: { truncated: boolean; bytes: number | null } = { truncated: false, bytes: null },
  max: number = ARGV_EXCERPT_CHARS,
): ArgvExcerpt {
  const kept: string[] = [];
  let used = 0;
  let cut = false;
  for (const arg of argv) {
    const room = max - used - (kept.length > 0 ? 1 : 0);
    if (arg.length > room) {
      if (room > 0) kept.push(arg.slice(0, room));
      cut = true;
      break;
    }
    kept.push(arg);
    used += arg.length + (kept.length > 1 ? 1 : 0);
  }
  if (!cut && !read.truncated) return { argv: kept };
  const bytes = read.truncated ? read.bytes : wholeBytes(argv);
  return bytes === null
    ? { argv: kept, argvTruncated: true }
    : { argv: kept, argvTruncated: true, argvBytes: bytes };
}

/** As /proc/PID/cmdline counts it: every argument and its NUL. */
function wholeBytes(argv: readonly string[]): number {
  return argv.reduce((n, arg) => n + Buffer.byteLength(arg) + 1, 0);
}

/** "…[cut: 1048576 bytes]" after a cut command line as a person reads it. */
export function cutMarker(p: { argvTruncated?: boolean; argvBytes?: number }): string {
  if (!p.argvTruncated) return "";
  return p.argvBytes !== undefined ? `…[cut: ${p.argvBytes} bytes]` : "…[cut]";
}
