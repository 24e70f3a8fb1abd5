import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

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
