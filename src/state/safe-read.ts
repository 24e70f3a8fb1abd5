// Reads a file the agent wrote itself (state files, the lock, the previous textfile) without
// following a symlink planted in its place, without blocking on a FIFO, and without reading
// more than a cap into memory.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;

/** Larger than any state file a run writes (the outbox at its limit, with details, is well under). */
export const STATE_READ_CAP = 32 * 1024 * 1024;
const CHUNK = 1024 * 1024;

/** A read refused for what the file is, not for an I/O error: `code` as an errno would be. */
export class NotRegularFileError extends Error {
  constructor(
    readonly code: "ENOTREG" | "EFBIG",
    message: string,
  ) {
    super(message);
    this.name = "NotRegularFileError";
  }
}

/**
 * The file's text; throws ENOENT and the like as the fs does, ELOOP for a symlink,
 * NotRegularFileError for a directory, FIFO or device (ENOTREG) or a file over `cap` (EFBIG).
 */
export function readRegularFile(
  path: string,
  cap = STATE_READ_CAP,
  open: (path: string, flags: number) => number = openSync,
): string {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new NotRegularFileError("ENOTREG", "not a regular file");
    if (stat.size > cap) {
      throw new NotRegularFileError("EFBIG", `${stat.size} bytes, more than the ${cap} allowed`);
    }
    // To the end (the file may have changed since the fstat), never past the cap.
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(Math.max(stat.size - length, 0) + 1, CHUNK));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      length += n;
      if (length > cap)
        throw new NotRegularFileError("EFBIG", `more than the ${cap} bytes allowed`);
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
