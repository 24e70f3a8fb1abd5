import { join } from "node:path";
import { readStateFile, writeStateFile } from "./store.js";

/**
 * One run's state files: reads and writes collect problems instead of throwing, so a state
 * directory gone read-only after the kills still lets the run report what it did. Only live
 * runs set corrupt files aside.
 */
export class StateFiles {
  readonly problems: string[] = [];
  /** A write failed: the run's outcome needs a person. */
  writeFailed = false;
  constructor(
    private readonly dir: string,
    private readonly setAside: boolean,
    private readonly now: () => number = () => Date.now(),
  ) {}

  write(name: string, data: { version: number }): void {
    try {
      writeStateFile(this.dir, name, data);
    } catch (error) {
      this.writeFailed = true;
      this.problems.push(`${join(this.dir, name)}: cannot write: ${(error as Error).message}`);
    }
  }

  read<T>(name: string, version: number, check: (data: unknown) => string | null): T | null {
    const result = readStateFile<T>(this.dir, name, {
      version,
      check,
      setAside: this.setAside,
      now: this.now,
    });
    if (result.kind === "ok") return result.data;
    if (result.kind === "corrupt") {
      const where = result.keptAs
        ? `set aside as ${result.keptAs}`
        : "left in place (this run changes no state)";
      this.problems.push(`${join(this.dir, name)}: ${result.problem}; ${where}`);
    }
    return null;
  }
}
