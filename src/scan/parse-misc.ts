// Small parsers for the other /proc and /etc files the scan reads. Text in, data out.

/** argv from /proc/PID/cmdline: NUL-separated, with a trailing NUL. Empty for zombies and kernel threads. */
export function parseCmdline(text: string): string[] {
  if (text.length === 0) return [];
  const parts = text.split("\0");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** [real, effective, saved, fs] uids from the "Uid:" line of /proc/PID/status. */
export function parseStatusUids(text: string): number[] | null {
  const at = text.indexOf("\nUid:");
  if (at < 0) return null;
  const end = text.indexOf("\n", at + 1);
  const uids = text
    .slice(at + 5, end < 0 ? undefined : end)
    .trim()
    .split(/\s+/)
    .map(Number);
  return uids.length === 4 && uids.every(Number.isInteger) ? uids : null;
}

/** Seconds since boot, the first number of /proc/uptime. */
export function parseUptime(text: string): number | null {
  const first = text.trim().split(" ")[0] ?? "";
  // Number("") is 0: an empty file must not read as "booted just now".
  if (first === "") return null;
  const value = Number(first);
  return Number.isFinite(value) ? value : null;
}

/** uid → user name from /etc/passwd. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split("\n")) {
    const [name, , uid] = line.split(":");
    if (name && uid !== undefined && /^\d+$/.test(uid) && !users.has(Number(uid))) {
      users.set(Number(uid), name);
    }
  }
  return users;
}

const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

/**
 * CLK_TCK and the page size from the auxiliary vector (/proc/self/auxv, pairs of 64-bit words),
 * which is where sysconf() itself reads them: no `getconf` child process needed.
 */
export function parseAuxv(buffer: Buffer): { clockTicks?: number; pageSize?: number } {
  const out: { clockTicks?: number; pageSize?: number } = {};
  for (let offset = 0; offset + 16 <= buffer.length; offset += 16) {
    const type = Number(buffer.readBigUInt64LE(offset));
    const value = Number(buffer.readBigUInt64LE(offset + 8));
    if (type === 0) break;
    if (type === AT_CLKTCK) out.clockTicks = value;
    if (type === AT_PAGESZ) out.pageSize = value;
  }
  return out;
}
