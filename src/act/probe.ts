// Is (pid, startTicks) still the process the plan named? Re-read before every signal.
import { parseStat } from "../scan/parse-stat.js";
import { readProcTextIfPresent } from "../scan/read-file.js";

export type Liveness =
  | { kind: "gone" }
  /** The pid now belongs to another process: the planned one is gone. */
  | { kind: "reused"; startTicks: number }
  /** Dead but not yet reaped by its new parent (seen here: up to ~20 s). Counts as dead. */
  | { kind: "zombie" }
  | { kind: "alive"; state: string }
  /**
   * stat could not be read (EMFILE, EIO, EACCES …): identity unverified. Never a reason to
   * signal, nor proof of death.
   */
  | { kind: "unknown"; error: string };

export function probe(procRoot: string, pid: number, startTicks: number): Liveness {
  let text: string | null;
  try {
    text = readProcTextIfPresent(`${procRoot}/${pid}/stat`);
  } catch (error) {
    return { kind: "unknown", error: (error as Error).message };
  }
  const stat = text === null ? null : parseStat(text);
  if (!stat)
    return text === null ? { kind: "gone" } : { kind: "unknown", error: "unparseable stat" };
  if (stat.startTicks !== startTicks) return { kind: "reused", startTicks: stat.startTicks };
  if (stat.state === "Z" || stat.state === "X") return { kind: "zombie" };
  return { kind: "alive", state: stat.state };
}
