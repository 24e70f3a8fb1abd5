// The node_exporter textfile on disk: <dir>/cleanup.prom, written for the textfile collector and
// read back by the next run (which carries the last success over). What goes in it is rendered,
// without I/O, by src/report/prometheus.ts.
//
// Rules of the collector that shape the writing (checked against Debian's node_exporter 1.5):
// - only files ending in ".prom" are read, on every scrape; so the file is written under a
//   temporary name that does not end in ".prom" and renamed, and a scrape never sees half a file;
// - Debian runs node_exporter as user "prometheus": the file must be readable by others (0644),
//   unlike the state files (0600).
import { join } from "node:path";
import { replaceFileAtomically } from "./durable.js";
import { readRegularFile } from "./safe-read.js";

export const TEXTFILE_NAME = "cleanup.prom";

/** The file a previous run wrote, for the carry-over of the last success; undefined if none. */
export function readPreviousTextfile(dir: string): string | undefined {
  try {
    // Never through a symlink planted at the name, nor a FIFO; never more than 16 MiB.
    return readRegularFile(join(dir, TEXTFILE_NAME), 16 * 1024 * 1024);
  } catch {
    // Missing (first run), not a regular file, or unreadable: nothing to carry over. writeTextfile says if the
    // directory is unusable.
    return undefined;
  }
}

/** The textfile could not be written (the run itself is done). */
export class TextfileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TextfileError";
  }
}

/**
 * Replaces <dir>/cleanup.prom atomically (see replaceFileAtomically: the temporary name does not
 * end in ".prom", which the collector would read, half-written, and export).
 * The directory is not created: a mistyped --textfile would otherwise be a file nobody reads.
 */
export function writeTextfile(dir: string, text: string): void {
  const path = join(dir, TEXTFILE_NAME);
  try {
    // 0644: node_exporter runs as another user (prometheus).
    replaceFileAtomically(path, text, 0o644);
  } catch (error) {
    throw new TextfileError(`cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}
