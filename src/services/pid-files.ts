// A service's PID files judged against one snapshot by pure functions (classifyPidFiles,
// untrackedInstances; what an instance is: instances.ts; reading the files: scan/pid-files.ts).
// Nothing here signals or deletes: a PID file naming another program's pid is reported, and only
// that. The incidents behind it: a stop script deleted PID files even when the kill failed, so the
// next stop could not find the process; and instances "started by hand, no PID file".
import type { Service } from "../config/types.js";
import { formatDuration } from "../config/units.js";
import { matchSelector, type Lookup } from "../rules/match.js";
import type { ProcessRef } from "../rules/plan-types.js";
import { ref } from "../rules/plan.js";
import type { PidFileRead } from "../scan/pid-files.js";
import type { ProcessInfo, Snapshot } from "../scan/types.js";
import { displayCommand } from "../shared/printable.js";
import { launchers, namesInstance, serviceInstances } from "./instances.js";

export type PidFileKind = "ok" | "stale" | "reused" | "invalid" | "unknown";

export interface PidFileFinding {
  service: string;
  path: string;
  /**
   * ok: the pid is a running process of the service. stale: no such process, or a zombie.
   * reused: the pid now belongs to another program. invalid: unreadable or no pid in it.
   * unknown: the process runs but was not read in detail, so it cannot be judged.
   */
  kind: PidFileKind;
  pid: number | null;
  process?: ProcessRef;
  detail: string;
}

/** Judges each PID file of one service against the snapshot. */
export function classifyPidFiles(
  service: Service,
  reads: readonly PidFileRead[],
  snapshot: Snapshot,
  lookup: Lookup,
): PidFileFinding[] {
  let launchers: Map<number, ProcessInfo> | undefined;
  // A launcher (a wrapper script, `sh -c`) whose pid the file holds: the instance below it.
  const launcherOf = (pid: number): ProcessInfo | undefined =>
    (launchers ??= launchersOf(serviceInstances(service, snapshot, lookup), lookup)).get(pid);
  return reads.map((read) => classifyOne(service, read, snapshot, lookup, launcherOf));
}

/** Each launcher of an instance (see instances.ts) → that instance. */
function launchersOf(instances: readonly ProcessInfo[], lookup: Lookup): Map<number, ProcessInfo> {
  const byLauncher = new Map<number, ProcessInfo>();
  for (const instance of instances)
    for (const a of launchers(instance, lookup))
      if (!byLauncher.has(a.pid)) byLauncher.set(a.pid, instance);
  return byLauncher;
}

function classifyOne(
  service: Service,
  read: PidFileRead,
  snapshot: Snapshot,
  lookup: Lookup,
  launcherOf: (pid: number) => ProcessInfo | undefined,
): PidFileFinding {
  const base = { service: service.name, path: read.path, pid: read.pid };
  if (read.problem !== null || read.pid === null)
    return { ...base, kind: "invalid", detail: read.problem ?? "no pid" };
  const pid = read.pid;
  const written =
    read.mtimeMs === null
      ? ""
      : ` (file written ${formatDuration(snapshot.takenAtMs - read.mtimeMs)} ago)`;
  const p = lookup(pid);
  if (!p) return { ...base, kind: "stale", detail: `pid ${pid} is not running${written}` };
  if (p.state === "Z" || p.state === "X")
    return {
      ...base,
      kind: "stale",
      process: ref(p),
      detail: `pid ${pid} has exited (a zombie not yet reaped by its parent ${p.ppid})${written}`,
    };
  const now = `${p.comm}: ${displayCommand(p)}`;
  if (p.kernelThread)
    return {
      ...base,
      kind: "reused",
      process: ref(p),
      detail: `pid ${pid} is now a kernel thread (${now})${written}`,
    };
  if (p.argv === null)
    return {
      ...base,
      kind: "unknown",
      process: ref(p),
      detail: `pid ${pid} is running but was not read in detail`,
    };
  const facts = matchSelector(service.selector, p, lookup);
  if (facts !== null)
    return {
      ...base,
      kind: "ok",
      process: ref(p),
      detail: `pid ${pid} is running (${now})${facts.length > 0 ? `; ${facts.join("; ")}` : ""}`,
    };
  const instance = launcherOf(pid);
  if (instance)
    return {
      ...base,
      kind: "ok",
      process: ref(p),
      detail: `pid ${pid} is running (${now}), the launcher of instance ${instance.pid}`,
    };
  // The scan keeps argv [] for a process whose cmdline it could not read (hidepid, another
  // user's without root): that is not proof of another program.
  if (p.argv.length === 0)
    return {
      ...base,
      kind: "unknown",
      process: ref(p),
      detail: `pid ${pid} is running (${p.comm}) but its command line could not be read`,
    };
  return {
    ...base,
    kind: "reused",
    process: ref(p),
    detail: `pid ${pid} now belongs to another program (${now})${written}`,
  };
}

/**
 * Instances no PID file names as "ok": started by hand, or their PID file was deleted. Only for a
 * service that has PID files. A PID file naming a process inside an instance or one of its
 * launchers tracks that instance.
 */
export function untrackedInstances(
  service: Service,
  instances: readonly ProcessInfo[],
  findings: readonly PidFileFinding[],
  lookup: Lookup = () => undefined,
): ProcessInfo[] {
  if (service.pidFiles.length === 0) return [];
  const named: number[] = [];
  for (const f of findings)
    if (f.service === service.name && f.kind === "ok" && f.pid !== null) named.push(f.pid);
  return instances.filter(
    (instance) =>
      !named.some((pid) => pid === instance.pid || namesInstance(pid, instance, lookup)),
  );
}
