// Which services (`services:` in the rules) a process belongs to, for `cleanup explain`: by the
// same instance logic the PID-file findings and the stale-holder judgement use. Pure.
import type { Service } from "../config/types.js";
import type { Lookup } from "../rules/match.js";
import type { ProcessInfo } from "../scan/types.js";
import { instanceRoot } from "./instances.js";
import type { PidFileRead } from "../scan/pid-files.js";

/**
 *   instance   it is an instance of the service (matches its selector, not a forked copy)
 *   member     inside an instance: a forked copy of it, or a process below it
 *   pid-file   only a PID file of the service names it
 */
export interface Membership {
  service: string;
  role: "instance" | "member" | "pid-file";
  /** The instance's pid (itself for an instance); null for pid-file. */
  instance: number | null;
  /** The service's PID files that name this pid. */
  pidFiles: string[];
}

// Deeper than any real process tree; a loop in a fixture must not hang the walk.
const MAX_HOPS = 4096;

export function memberships(
  p: ProcessInfo,
  services: readonly Service[],
  lookup: Lookup,
  pidFiles: ReadonlyMap<string, readonly PidFileRead[]>,
): Membership[] {
  return services.flatMap((service): Membership[] => {
    const named = (pidFiles.get(service.name) ?? [])
      .filter((read) => read.pid === p.pid)
      .map((read) => read.path);
    const instance = enclosingInstance(p, service, lookup);
    if (instance) {
      const role = instance.pid === p.pid ? "instance" : "member";
      return [{ service: service.name, role, instance: instance.pid, pidFiles: named }];
    }
    return named.length > 0
      ? [{ service: service.name, role: "pid-file", instance: null, pidFiles: named }]
      : [];
  });
}

/** The instance p is, or is a forked copy of, or runs below; null if none. */
function enclosingInstance(p: ProcessInfo, service: Service, lookup: Lookup): ProcessInfo | null {
  const seen = new Set<number>();
  for (let q: ProcessInfo | undefined = p; q && q.pid > 1; q = lookup(q.ppid)) {
    if (seen.has(q.pid) || seen.size >= MAX_HOPS) break;
    seen.add(q.pid);
    const root = instanceRoot(q, service, lookup);
    if (root) return root;
  }
  return null;
}
