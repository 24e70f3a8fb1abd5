// What an instance of a service is, in one place for the PID-file findings and the stale-holder
// judgement. Pure.
//
// An instance is a process matching the service's selector together with its forked copies:
// children with the same argv and executable (a pre-fork server's workers). A parent that
// merely matches — `tmux new 'python worker.py'`, `screen -dmS worker.py …`, a restart loop
// `bash -c 'while :; do python worker.py; done'` — carries the command in its own argv but is
// not part of the instance: killing an "instance" must never take a terminal session with it.
import type { Service } from "../config/types.js";
import { matchSelector, type Lookup } from "../rules/match.js";
import type { ProcessInfo, Snapshot } from "../scan/types.js";

/** The child is a forked copy of the parent: same argv, same executable where both are known. */
export function forkedCopy(child: ProcessInfo, parent: ProcessInfo): boolean {
  if (child.argv === null || parent.argv === null) return false;
  if (child.argv.length !== parent.argv.length) return false;
  if (!child.argv.every((arg, i) => arg === parent.argv![i])) return false;
  return child.exe === null || parent.exe === null || child.exe === parent.exe;
}

function selects(service: Service, p: ProcessInfo, lookup: Lookup): boolean {
  return (
    p.pid > 1 &&
    !p.kernelThread &&
    p.argv !== null &&
    p.state !== "Z" &&
    p.state !== "X" &&
    matchSelector(service.selector, p, lookup) !== null
  );
}

/** The instance `p` belongs to: `p` and the parents it is a forked copy of; null if `p` does not match. */
export function instanceRoot(p: ProcessInfo, service: Service, lookup: Lookup): ProcessInfo | null {
  if (!selects(service, p, lookup)) return null;
  let root = p;
  const seen = new Set<number>([p.pid]);
  for (let q = lookup(p.ppid); q && !seen.has(q.pid); q = lookup(q.ppid)) {
    if (!forkedCopy(root, q) || !selects(service, q, lookup)) break;
    seen.add(q.pid);
    root = q;
  }
  return root;
}

/** Every instance of the service, in snapshot order. */
export function serviceInstances(
  service: Service,
  snapshot: Snapshot,
  lookup: Lookup,
): ProcessInfo[] {
  return snapshot.processes.filter((p) => instanceRoot(p, service, lookup) === p);
}

/**
 * Who may have started the instance and written its PID file: its ancestors below PID 1, up to
 * the first session leader (a login shell, a `setsid` launcher). Not beyond: a PID file naming
 * sshd or a user manager does not speak for every process below it.
 */
export function launchers(instance: ProcessInfo, lookup: Lookup): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  const seen = new Set<number>([instance.pid]);
  if (instance.sid === instance.pid) return found;
  for (let a = lookup(instance.ppid); a && a.pid > 1 && !seen.has(a.pid); a = lookup(a.ppid)) {
    seen.add(a.pid);
    found.push(a);
    if (a.sid === a.pid) break;
  }
  return found;
}

/** The pid is the instance, a process inside it (below it), or one of its launchers. */
export function namesInstance(pid: number, instance: ProcessInfo, lookup: Lookup): boolean {
  const seen = new Set<number>();
  for (let q = lookup(pid); q && !seen.has(q.pid); q = lookup(q.ppid)) {
    if (q.pid === instance.pid) return true;
    seen.add(q.pid);
  }
  return launchers(instance, lookup).some((a) => a.pid === pid);
}
