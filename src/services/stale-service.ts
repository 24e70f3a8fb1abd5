// Whether a tracked service calls the instance holding a port the older one: a newer copy of the
// same command runs (single_instance), or the service's own PID file, written after the instance
// started, names a start that died. A PID file naming the instance makes it the current one.
import type { Service } from "../config/types.js";
import { formatDuration } from "../config/units.js";
import type { Lookup } from "../rules/match.js";
import { childrenByParent } from "../scan/tree.js";
import type { ProcessInfo, Snapshot } from "../scan/types.js";
import { forkedCopy, instanceRoot, namesInstance, serviceInstances } from "./instances.js";
import type { StaleInput } from "./stale-types.js";

export type ServiceVerdict =
  /** A PID file of the service names the instance: it is the current one. */
  | { kind: "current"; reason: string; file?: string }
  | { kind: "older"; reason: string; instance: ProcessInfo; service: Service }
  | { kind: "undecided"; reason: string };

/** How much later than an instance's start a PID file must be written to say "started again". */
const RESTART_MARGIN_MS = 60_000;

/** null: the service is not about this process. */
export function serviceVerdict(
  p: ProcessInfo,
  service: Service,
  input: StaleInput,
  lookup: Lookup,
): ServiceVerdict | null {
  const instance = instanceRoot(p, service, lookup);
  if (!instance) return null;
  const name = `service ${service.name}`;
  const root = instance.pid === p.pid ? "it" : `its instance (pid ${instance.pid})`;
  const files = input.pidFiles.get(service.name) ?? [];
  const tracking = files.find((f) => f.pid !== null && namesInstance(f.pid, instance, lookup));
  if (tracking)
    return {
      kind: "current",
      file: tracking.path,
      reason: `${name}: ${tracking.path} names ${root}: the current instance`,
    };

  // single_instance: a later copy of the very same command, by the same user, is the one that
  // should run. Anything less (another argv, a pager on its log, the agent's own command line)
  // is no evidence.
  const instances = serviceInstances(service, input.snapshot, lookup);
  const inside = subtree(instance, input.snapshot);
  if (service.singleInstance) {
    const lineage = agentLineage(input.snapshot.selfPid, lookup);
    const newer = instances.find(
      (q) =>
        q.startTicks > instance.startTicks &&
        q.uid === instance.uid &&
        !lineage.has(q.pid) &&
        !inside.has(q.pid) &&
        q.state !== "T" &&
        q.state !== "t" &&
        forkedCopy(q, instance) &&
        // A copy serving another port is a parallel instance (PORT from the environment, a
        // template unit), not a restart; one whose sockets are unknown proves nothing.
        q.listening !== undefined &&
        q.listening.every((l) => l.port === input.port),
    );
    if (newer) {
      return {
        kind: "older",
        instance,
        service,
        reason: `${name} (single_instance): ${root} is an older instance; pid ${newer.pid}, the same command started after it (age ${formatDuration(newer.ageMs)}) and listening on no other port, is running`,
      };
    }
  }

  // The incident: the stop script lost the PID file, the new start wrote its own and died on
  // EADDRINUSE. The service's own PID file (a path written without wildcards: a glob may catch
  // other services' files), written well after this instance started and naming a pid that is
  // not running, says this one is the older.
  const startedAtMs = input.snapshot.takenAtMs - instance.ageMs;
  const literal = new Set(service.pidFiles.filter((path) => !/[*?[]/.test(path)));
  const startedAt = (q: ProcessInfo) => input.snapshot.takenAtMs - q.ageMs;
  const later = files.find((f) => {
    if (!literal.has(f.path) || f.pid === null || f.mtimeMs === null) return false;
    if (f.mtimeMs < startedAtMs + RESTART_MARGIN_MS) return false;
    const named = lookup(f.pid);
    if (named !== undefined && named.state !== "Z") return false;
    // The start that wrote it may live on under another pid (a double fork, `echo $!` of an
    // intermediate): any instance started around or after the file's time means it did not die.
    const mtime = f.mtimeMs;
    return !instances.some(
      (q) => q.pid !== instance.pid && startedAt(q) >= mtime - RESTART_MARGIN_MS,
    );
  });
  if (later) {
    return {
      kind: "older",
      instance,
      service,
      reason: `${name}: ${root} is an older instance; ${later.path} was written ${formatDuration(input.snapshot.takenAtMs - later.mtimeMs!)} ago, after it started (age ${formatDuration(instance.ageMs)}), and names pid ${later.pid} (not running)`,
    };
  }
  return {
    kind: "undecided",
    reason: `${name}: nothing says ${root} is an older instance (${service.singleInstance ? "no later copy of the same command runs" : "single_instance is off"}; no PID file of the service written after it started names a start that died)`,
  };
}

/** The agent and its ancestors: never an instance that makes another one "older". */
function agentLineage(selfPid: number, lookup: Lookup): Set<number> {
  const lineage = new Set<number>();
  for (let q = lookup(selfPid); q && !lineage.has(q.pid); q = lookup(q.ppid)) lineage.add(q.pid);
  lineage.add(selfPid);
  return lineage;
}

// One ppid → children index per snapshot, however many holders and services are judged on it.
const childrenIndex = new WeakMap<Snapshot, Map<number, ProcessInfo[]>>();

/** The pids of a process and all its descendants. */
export function subtree(root: ProcessInfo, snapshot: Snapshot): Set<number> {
  let children = childrenIndex.get(snapshot);
  if (!children) {
    children = childrenByParent(snapshot.processes);
    childrenIndex.set(snapshot, children);
  }
  const pids = new Set<number>([root.pid]);
  const stack = [root.pid];
  while (stack.length > 0)
    for (const child of children.get(stack.pop()!) ?? [])
      if (!pids.has(child.pid)) {
        pids.add(child.pid);
        stack.push(child.pid);
      }
  return pids;
}
