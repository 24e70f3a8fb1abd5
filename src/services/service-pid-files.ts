// Each service's PID files, read once per run (before the scan, so the pids they name are read
// in detail).
import type { Service } from "../config/types.js";
import { readPidFiles, type PidFileRead } from "./pid-files.js";

export function readServicePidFiles(services: readonly Service[]): Map<string, PidFileRead[]> {
  return new Map(
    services.map((s) => [s.name, s.pidFiles.length > 0 ? readPidFiles(s.pidFiles) : []]),
  );
}

/** The pids the PID files name: the scan reads them in detail to judge them. */
export function namedPids(reads: ReadonlyMap<string, readonly PidFileRead[]>): Set<number> {
  const pids = new Set<number>();
  for (const list of reads.values()) for (const r of list) if (r.pid !== null) pids.add(r.pid);
  return pids;
}
