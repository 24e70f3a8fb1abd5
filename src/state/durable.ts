// Writes that survive a crash: the new content is on disk before it replaces the old, and the
// replacement itself (the rename) is on disk before the write counts as done.
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Writes `text` to a new file (mode 0600) and fsyncs it: the first half of an atomic replace. */
export function writeFileDurably(path: string, text: string): void {
  const fd = openSync(path, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The new name must reach the disk too, or a crash could bring back the old file, or none. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `text` atomically: readers see the old file or the new one, never part.
 * The temp file is `.NAME.tmp-PID` beside it: a leading dot and a suffix that readers of the
 * directory skip (cron skips names with dots, systemd loads only unit suffixes, node_exporter
 * only *.prom).
 */
export function replaceFileAtomically(path: string, text: string, mode = 0o600): void {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileDurably(temp, text);
    if (mode !== 0o600) chmodSync(temp, mode);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
}
