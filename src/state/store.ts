// Files in the state directory: written atomically (see durable.ts), each with a schema version
// and a parser that checks every field the run relies on. A file that fails is set aside as
// NAME.corrupt-TIME (kept for inspection) and reported; it is never silently reset. A file that
// cannot be *read* (EACCES, EIO, EMFILE, a directory or FIFO in its place) is not corrupt: it is
// left as it is, and the caller must not overwrite it this run.
import { renameSync } from "node:fs";
import { join } from "node:path";
import { replaceFileAtomically } from "./durable.js";
import { readRegularFile } from "./safe-read.js";

/** An entry a parser took out of an otherwise good file (e.g. one bad notification in a queue). */
export interface Rejected {
  /** Where it was, e.g. `pending.ops[3]`. */
  where: string;
  problem: string;
  value: unknown;
}

export type Parsed<T> =
  { ok: true; data: T; rejected?: Rejected[] } | { ok: false; problem: string };

export type StateRead<T> =
  | { kind: "missing" }
  | { kind: "ok"; data: T; rejected: Rejected[] }
  /** keptAs: where the bad file now is (null when not moved: read-only runs move nothing). */
  | { kind: "corrupt"; problem: string; keptAs: string | null }
  /** An I/O error, or no regular file there: left in place, not to be overwritten. */
  | { kind: "unreadable"; problem: string };

export interface ReadOptions<T> {
  version: number;
  /** Checks the shape (version aside) and returns the data, or says what is wrong. */
  parse: (data: unknown) => Parsed<T>;
  /** Live runs set a corrupt file aside; dry runs and `status` change nothing. */
  setAside: boolean;
  now: () => number;
  /** The read itself (tests inject EMFILE and EIO); readRegularFile by default. */
  readFile?: (path: string) => string;
}

/** A file name for a moment, without the characters some tools choke on. */
export function timeSuffix(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, "-");
}

export function readStateFile<T>(dir: string, name: string, options: ReadOptions<T>): StateRead<T> {
  const path = join(dir, name);
  let text: string | null = null;
  let problem: string | null = null;
  try {
    text = (options.readFile ?? ((p: string) => readRegularFile(p)))(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    // A symlink in a state file's place is no state of ours: set aside (the link itself is
    // moved; what it points to is never touched), as is a file too large to be one.
    if (code === "ELOOP") problem = "a symbolic link, not a state file";
    else if (code === "EFBIG") problem = `too large (${(error as Error).message})`;
    else return { kind: "unreadable", problem: `cannot read: ${(error as Error).message}` };
  }
  let parsed: Parsed<T> | null = null;
  if (text !== null) {
    try {
      const data: unknown = JSON.parse(text);
      const version = (data as { version?: unknown } | null)?.version;
      parsed =
        version !== options.version
          ? {
              ok: false,
              problem: `schema version ${JSON.stringify(version)}, expected ${options.version}`,
            }
          : options.parse(data);
    } catch (error) {
      parsed = {
        ok: false,
        problem: `not JSON (${(error as Error).message}${text.length === 0 ? "; the file is empty" : ""})`,
      };
    }
    if (parsed.ok) return { kind: "ok", data: parsed.data, rejected: parsed.rejected ?? [] };
    problem = parsed.problem;
  }
  let keptAs: string | null = null;
  if (options.setAside) {
    keptAs = `${path}.corrupt-${timeSuffix(options.now())}`;
    try {
      renameSync(path, keptAs);
    } catch {
      keptAs = null;
    }
  }
  return { kind: "corrupt", problem: problem ?? "invalid", keptAs };
}

export function writeStateFile(dir: string, name: string, data: { version: number }): void {
  replaceFileAtomically(join(dir, name), JSON.stringify(data));
}
