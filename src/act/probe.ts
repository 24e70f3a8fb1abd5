// Is (pid, startTicks) still the process the plan named, running the same program? Re-read
// before every signal.
import { readlinkSync } from "node:fs";
import { argvExcerpt } from "../shared/argv-excerpt.js";
import { readCmdline } from "../scan/cmdline.js";
import { parseStat } from "../scan/parse-stat.js";
import { isVanished, readProcTextIfPresent } from "../scan/read-file.js";

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

/**
 * The command line now, as the plan holds it: the same bounded read as the scan (scan/cmdline.ts)
 * and the same excerpt (shared/argv-excerpt.ts), so the comparison with the plan's argv compares
 * like with like; null if the process is gone. Throws when unreadable.
 */
export function readCurrentArgv(procRoot: string, pid: number): string[] | null {
  try {
    const read = readCmdline(procRoot, pid);
    return argvExcerpt(read.argv, read).argv;
  } catch (error) {
    if (isVanished(error)) return null;
    throw error;
  }
}

/** The executable now (readlink /proc/PID/exe); null if gone or a zombie. Throws when unreadable. */
export function readCurrentExe(procRoot: string, pid: number): string | null {
  try {
    return readlinkSync(`${procRoot}/${pid}/exe`);
  } catch (error) {
    if (isVanished(error)) return null;
    throw error;
  }
}

/** What the plan saw of a process, besides (pid, start time). */
export interface PlannedIdentity {
  startTicks: number;
  argv: readonly string[];
  /** Undefined: not read yet (the scan did not need it); it is read before the first signal. */
  exe?: string;
}

export type Identity =
  | Exclude<Liveness, { kind: "alive" }>
  | { kind: "alive"; state: string; exe: string }
  /** Same pid and start time, another program: it exec'd since the plan (or rewrote its argv). */
  | { kind: "changed"; argv: string[]; exe: string | null };

/**
 * Is the pid still the process the plan named: same start time, same command line, same
 * executable? Node has no pidfd (pidfd_open needs a native addon), so the start time alone
 * cannot tell an exec: a process that exec'd keeps its pid and start time. Any read that fails
 * other than by the process's death is "unknown": never a reason to signal.
 */
export function checkIdentity(procRoot: string, pid: number, planned: PlannedIdentity): Identity {
  const live = probe(procRoot, pid, planned.startTicks);
  if (live.kind !== "alive") return live;
  let argv: string[] | null;
  let exe: string | null;
  try {
    argv = readCurrentArgv(procRoot, pid);
    exe = argv === null ? null : readCurrentExe(procRoot, pid);
  } catch (error) {
    return { kind: "unknown", error: (error as Error).message };
  }
  if (argv !== null && exe !== null && sameArgv(argv, planned.argv)) {
    if (planned.exe === undefined || sameExe(exe, planned.exe))
      return { kind: "alive", state: live.state, exe };
  }
  // A mismatch or a missing file may only mean it died between the reads: a dead process
  // (gone or a zombie, whose cmdline is empty and exe unreadable) is not a changed one.
  const again = probe(procRoot, pid, planned.startTicks);
  if (again.kind !== "alive") return again;
  if (argv === null || exe === null)
    return {
      kind: "unknown",
      error: `${argv === null ? "cmdline" : "exe"} vanished while stat remains`,
    };
  return { kind: "changed", argv, exe };
}

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((arg, i) => arg === b[i]);
}

/**
 * A binary replaced on disk (a package upgrade) shows as "PATH (deleted)" in a process still
 * running the old one: the same program, not an exec.
 */
function sameExe(a: string, b: string): boolean {
  const strip = (path: string) => path.replace(/ \(deleted\)$/, "");
  return strip(a) === strip(b);
}
