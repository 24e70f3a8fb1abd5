import { join } from "node:path";
import {
  readStateFile,
  timeSuffix,
  writeStateFile,
  type Parsed,
  type ReadOptions,
  type Rejected,
} from "./store.js";

export const REJECTED_VERSION = 1;

/**
 * One run's state files: reads and writes collect problems instead of throwing, so a state
 * directory gone read-only after the kills still lets the run report what it did. Only live
 * runs set corrupt files (and bad entries) aside. A file that could not be read is not written
 * this run: what it holds (a queue of notifications) may be good, and is kept.
 */
export class StateFiles {
  readonly problems: string[] = [];
  /** A write failed or was held back: the run's outcome needs a person. */
  writeFailed = false;
  /** Files not to be overwritten this run: name → why. */
  private readonly held = new Map<string, string>();
  constructor(
    private readonly dir: string,
    private readonly setAside: boolean,
    private readonly now: () => number = () => Date.now(),
    private readonly readFile?: ReadOptions<unknown>["readFile"],
  ) {}

  /** True if the file is now on disk with `data`; false (and a problem reported) if not. */
  write(name: string, data: { version: number }): boolean {
    const held = this.held.get(name);
    if (held !== undefined) {
      this.writeFailed = true;
      this.problems.push(`state file ${join(this.dir, name)}: not written this run: ${held}`);
      return false;
    }
    try {
      writeStateFile(this.dir, name, data);
      return true;
    } catch (error) {
      this.writeFailed = true;
      this.problems.push(
        `state file ${join(this.dir, name)}: cannot write: ${(error as Error).message}; the previous file is left as it was`,
      );
      return false;
    }
  }

  read<T>(name: string, version: number, parse: (data: unknown) => Parsed<T>): T | null {
    const path = join(this.dir, name);
    const result = readStateFile<T>(this.dir, name, {
      version,
      parse,
      setAside: this.setAside,
      now: this.now,
      ...(this.readFile && { readFile: this.readFile }),
    });
    if (result.kind === "ok") {
      if (result.rejected.length > 0) this.setAsideEntries(name, result.rejected);
      return result.data;
    }
    if (result.kind === "corrupt") {
      const where = result.keptAs
        ? `set aside as ${result.keptAs}`
        : "left in place (this run changes no state)";
      this.problems.push(`state file ${path}: ${result.problem}; ${where}`);
    }
    if (result.kind === "unreadable") {
      this.held.set(name, "it could not be read, and what it holds is kept");
      this.problems.push(
        `state file ${path}: ${result.problem}; left as it is, and not written this run`,
      );
    }
    return null;
  }

  /**
   * Bad entries of a good file go to NAME.rejected-TIME.json beside it (kept for inspection),
   * so the rest of the file is used. If they cannot be saved there, the file itself is not
   * rewritten this run: they would be lost.
   */
  private setAsideEntries(name: string, rejected: readonly Rejected[]): void {
    const path = join(this.dir, name);
    const list = rejected.map((r) => `${r.where}: ${r.problem}`).join("; ");
    const count = `${rejected.length} bad entr${rejected.length === 1 ? "y" : "ies"}`;
    if (!this.setAside) {
      this.problems.push(
        `state file ${path}: ${count} ignored (${list}); left in place (this run changes no state)`,
      );
      return;
    }
    const aside = `${name.replace(/\.json$/, "")}.rejected-${timeSuffix(this.now())}.json`;
    try {
      writeStateFile(this.dir, aside, {
        version: REJECTED_VERSION,
        file: name,
        entries: rejected,
      } as { version: number });
      this.problems.push(
        `state file ${path}: ${count} (${list}) set aside in ${join(this.dir, aside)}`,
      );
    } catch (error) {
      this.held.set(name, `its ${count} could not be set aside`);
      this.problems.push(
        `state file ${path}: ${count} (${list}) ignored; cannot write ${join(this.dir, aside)}: ${(error as Error).message}`,
      );
    }
  }
}
