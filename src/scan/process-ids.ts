// The processes there are now, as just their identity: for the holder re-read right before files
// are removed, which must also see processes started since the scan (one of them may have
// opened the file). One readdir of /proc and one stat read per process: no command lines.
import { readdirSync } from "node:fs";
import { isVanished, readStatFile } from "./read-file.js";

export interface ProcessId {
  pid: number;
  startTicks: number;
  kernelThread: boolean;
}

/**
 * Never throws for a process that vanished meanwhile; throws if /proc itself cannot be listed.
 * `skip`: pids not to read (the caller has them already), left out of the list.
 */
export function listProcessIds(procRoot: string, skip?: ReadonlySet<number>): ProcessId[] {
  const out: ProcessId[] = [];
  for (const name of readdirSync(procRoot)) {
    if (!/^[1-9]\d{0,9}$/.test(name)) continue;
    if (skip?.has(Number(name))) continue;
    let fields: ReturnType<typeof readStatFile>;
    try {
      fields = readStatFile(`${procRoot}/${name}/stat`);
    } catch (error) {
      if (isVanished(error)) continue;
      // Unreadable, not gone: listed all the same, so that the holder read finds it unreadable
      // too and counts it as a possible holder (fail closed). -1: its start time is unknown.
      out.push({ pid: Number(name), startTicks: -1, kernelThread: false });
      continue;
    }
    out.push(
      fields
        ? { pid: fields.pid, startTicks: fields.startTicks, kernelThread: fields.kernelThread }
        : { pid: Number(name), startTicks: -1, kernelThread: false },
    );
  }
  return out;
}

/**
 * The scanned processes, and those there are now that the scan does not have (its
 * `unreadable` ones are not in a snapshot; others started since): any of them may hold a
 * file, and the holder read must find them, unreadable or not, or a report would say "no
 * holder" of a file one of them holds. If /proc cannot be listed, the scanned ones. The
 * scanned pids' stat is not read again (at 10,000 processes that was 10,000 reads for none).
 */
export function withUnscanned<T extends { pid: number; startTicks: number }>(
  scanned: readonly T[],
  procRoot: string,
): (T | ProcessId)[] {
  const known = new Set(scanned.map((p) => p.pid));
  let now: ProcessId[];
  try {
    now = listProcessIds(procRoot, known);
  } catch {
    return [...scanned];
  }
  return [...scanned, ...now.filter((p) => !known.has(p.pid))];
}
