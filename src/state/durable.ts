// Writes that survive a crash and follow nothing. The new content goes to a temp file created
// exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, a random name) in the target's directory, is written
// whole (write(2) may take less than asked: a full disk does that), fsynced, checked for its
// size, and only then renamed over the old file; the rename reaches the disk too. A symlink
// planted under any name in the directory is never followed: the temp name cannot be guessed
// and O_EXCL refuses an existing one, and rename(2) replaces a link at the final name instead of
// writing through it. Modes are set with fchmod on the descriptor, never chmod on a path.
import { crypto } from "../shared/lazy-builtins.js";
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_DIRECTORY } = constants;

/** Every byte of `data`, however many write(2) calls it takes; throws what the failing one threw. */
export function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) {
    const written = writeSync(fd, data, offset, data.length - offset);
    // write(2) returns 0 only for a zero-length request; guard against a loop that never ends.
    if (written <= 0) throw new Error(`write stopped after ${offset} of ${data.length} bytes`);
    offset += written;
  }
}

/**
 * Creates a new file beside `target` (`.NAME.tmp-RANDOM`: a leading dot and a suffix that the
 * directory's readers skip: cron skips names with dots, systemd loads only unit suffixes,
 * node_exporter only *.prom), writes `text` whole, gives it `mode`, fsyncs it and checks its
 * size. Returns its path; on any failure the temp file is gone and the error thrown.
 */
export function writeTempFile(target: string, text: string, mode = 0o600): string {
  const data = Buffer.from(text, "utf8");
  const temp = join(
    dirname(target),
    `.${basename(target)}.tmp-${crypto().randomBytes(8).toString("hex")}`,
  );
  const fd = openSync(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    writeAll(fd, data);
    fchmodSync(fd, mode);
    fsyncSync(fd);
    const size = fstatSync(fd).size;
    if (size !== data.length) {
      throw new Error(`wrote ${size} of ${data.length} bytes (is the disk full?)`);
    }
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  return temp;
}

/** The new name must reach the disk too, or a crash could bring back the old file, or none. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, O_RDONLY | O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `text` atomically: readers see the old file or the new one, never part.
 * Any failure leaves the old file as it was and throws.
 */
export function replaceFileAtomically(path: string, text: string, mode = 0o600): void {
  const temp = writeTempFile(path, text, mode);
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
}
