// Files in the state directory: written atomically (temp file, fsync, rename, fsync of the
// directory), each with a schema version. A file that cannot be read as its version is set aside
// as NAME.corrupt-TIME (kept for inspection) and reported; it is never silently reset.
import { readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { replaceFileAtomically } from "./durable.js";

export type StateRead<T> =
  | { kind: "missing" }
  | { kind: "ok"; data: T }
  /** keptAs: where the bad file now is (null when not moved: read-only runs move nothing). */
  | { kind: "corrupt"; problem: string; keptAs: string | null };

export interface ReadOptions<T> {
  version: number;
  /** Checks the shape; a message when it is wrong. */
  check: (data: unknown) => string | null;
  /** Live runs set a corrupt file aside; dry runs and `status` change nothing. */
  setAside: boolean;
  now: () => number;
  /** For the type only. */
  sample?: T;
}

export function readStateFile<T>(dir: string, name: string, options: ReadOptions<T>): StateRead<T> {
  const path = join(dir, name);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    return { kind: "corrupt", problem: `unreadable: ${(error as Error).message}`, keptAs: null };
  }
  let problem: string | null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
    const version = (parsed as { version?: unknown })?.version;
    problem =
      version !== options.version
        ? `schema version ${JSON.stringify(version)}, expected ${options.version}`
        : options.check(parsed);
  } catch (error) {
    problem = `not JSON (${(error as Error).message}${text.length === 0 ? "; the file is empty" : ""})`;
  }
  if (problem === null) return { kind: "ok", data: parsed as T };
  let keptAs: string | null = null;
  if (options.setAside) {
    keptAs = `${path}.corrupt-${new Date(options.now()).toISOString().replace(/[:.]/g, "-")}`;
    try {
      renameSync(path, keptAs);
    } catch {
      keptAs = null;
    }
  }
  return { kind: "corrupt", problem, keptAs };
}

export function writeStateFile(dir: string, name: string, data: { version: number }): void {
  replaceFileAtomically(join(dir, name), JSON.stringify(data));
}
