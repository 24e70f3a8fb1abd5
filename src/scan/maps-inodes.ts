// The files a process maps: /proc/PID/maps lines with an inode. Each line carries the mapped
// file's device and inode, so a mapping is matched to a watched file without a stat, and
// whatever its path reads (a file unlinked since, a path in another mount namespace).
//   7f2c1c000000-7f2c1c100000 rw-s 00000000 00:1a 12345   /dev/shm/psm_ab12 (deleted)
import { mapsDev } from "./proc-dev.js";

/**
 * Calls `each(dev, ino)` for every mapping of a file on one of `devs`, in the text's order
 * (a file mapped in several pieces comes once per piece). Walks the text by index, one line
 * at a time: a JVM's maps run to tens of thousands of lines. Malformed lines are skipped.
 * Returns the number of lines (0: no mappings at all, which a live user process never has).
 */
export function eachMappedInode(
  text: string,
  devs: ReadonlySet<number>,
  each: (dev: number, ino: number) => void,
): number {
  // Few devices appear in one process's maps: their text is converted once.
  const devOf = new Map<string, number | null>();
  let lines = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lines += 1;
    // address perms offset dev inode [path]
    const s1 = text.indexOf(" ", start);
    const s2 = s1 < 0 ? -1 : text.indexOf(" ", s1 + 1);
    const s3 = s2 < 0 ? -1 : text.indexOf(" ", s2 + 1);
    const s4 = s3 < 0 ? -1 : text.indexOf(" ", s3 + 1);
    if (s4 > 0 && s4 < end) {
      const devText = text.slice(s3 + 1, s4);
      let dev = devOf.get(devText);
      if (dev === undefined) {
        dev = mapsDev(devText);
        devOf.set(devText, dev);
      }
      if (dev !== null && devs.has(dev)) {
        let s5 = text.indexOf(" ", s4 + 1);
        if (s5 < 0 || s5 > end) s5 = end;
        const ino = Number(text.slice(s4 + 1, s5));
        if (Number.isSafeInteger(ino) && ino > 0) each(dev, ino);
      }
    }
    start = end + 1;
  }
  return lines;
}
