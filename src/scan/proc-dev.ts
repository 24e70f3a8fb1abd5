// Device numbers as /proc prints them ("fe:00" in /proc/PID/maps, "254:0" in mountinfo) turned
// into the st_dev Node's fs.Stats gives, so that a mapping's dev:inode can be compared with an
// lstat's without a stat per mapping.
//
// The kernel prints MAJOR and MINOR of its own dev_t (12 and 20 bits); Node's st_dev is glibc's
// encoding of the same pair (libuv's statx path calls makedev()): minor's low 8 bits, major's
// low 12 bits above them, minor's high 12 bits above those, major's high bits at 32 and up.
// For a disk "fe:00" that is 0xfe00; for a tmpfs "00:1a" it is 26; past 255 anonymous devices
// (a host with many tmpfs mounts) "00:152" is 0x100052, not 0x152: checked against real stat
// by test/integration/file-holders.test.ts.

/** glibc's makedev(), in doubles (a bit shift would cut at 32 bits). */
export function makedev(major: number, minor: number): number {
  return (
    (minor & 0xff) +
    (major & 0xfff) * 0x100 +
    Math.floor(minor / 0x100) * 0x100000 +
    Math.floor(major / 0x1000) * 0x100000000
  );
}

/** "fe:00" (hex, as maps prints it) → st_dev; null if malformed. */
export function mapsDev(text: string): number | null {
  const colon = text.indexOf(":");
  if (colon <= 0 || colon === text.length - 1) return null;
  const major = parseHex(text.slice(0, colon));
  const minor = parseHex(text.slice(colon + 1));
  return major === null || minor === null ? null : makedev(major, minor);
}

/** "254:0" (decimal, as mountinfo prints it) → st_dev; null if malformed. */
export function mountinfoDev(text: string): number | null {
  const match = /^(\d{1,10}):(\d{1,10})$/.exec(text);
  return match ? makedev(Number(match[1]), Number(match[2])) : null;
}

function parseHex(text: string): number | null {
  return /^[0-9a-fA-F]{1,8}$/.test(text) ? parseInt(text, 16) : null;
}
