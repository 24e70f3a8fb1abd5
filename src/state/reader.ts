import { join } from "node:path";
import { readStateFile } from "./store.js";

/** Reads state files for one run, collecting problems; only live runs set corrupt files aside. */
export class StateReader {
  readonly problems: string[] = [];
  constructor(
    private readonly dir: string,
    private readonly setAside: boolean,
    private readonly now: () => number = () => Date.now(),
  ) {}

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
