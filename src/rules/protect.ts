// What is never a kill target, whatever a rule says (invariant 1 of the design).
import type { Selector } from "../config/types.js";
import type { ProcessInfo } from "../scan/types.js";
import { evaluateSelector, type Lookup, type SelectorMiss } from "./match.js";
import { protectUnknown } from "./selectors/registry.js";

export interface Protection {
  /** Why the process may not be killed, or null. */
  reason(p: ProcessInfo): string | null;
  /** Why it may not be killed whatever the protect list says (PID 1, the agent…), or null. */
  builtIn(p: ProcessInfo): string | null;
}

/** One protect entry's verdict on a process: the first that is not "no-match" protects it. */
export type EntryVerdict =
  | { kind: "matches"; facts: string[] }
  | { kind: "cannot-check"; unknown: string }
  | { kind: "no-match"; miss: SelectorMiss };

/** The one evaluation of a protect entry, for the plan's protection and `cleanup explain`. */
export function judgeEntry(selector: Selector, p: ProcessInfo, lookup: Lookup): EntryVerdict {
  const result = evaluateSelector(selector, p, lookup);
  if (Array.isArray(result)) return { kind: "matches", facts: result };
  // Fail closed: an entry naming a fact this process's scan could not establish (exe
  // unreadable without CAP_SYS_PTRACE, parent gone, a user name not in /etc/passwd,
  // another user's fds unreadable without root) might have matched it. Each selector module
  // says what "unknown" is for it (protectUnknown in src/rules/selectors/).
  const unknown = protectUnknown(selector, p, lookup);
  return unknown ? { kind: "cannot-check", unknown } : { kind: "no-match", miss: result };
}

export function buildProtection(
  selfPid: number,
  protect: readonly Selector[],
  lookup: Lookup,
): Protection {
  // The agent and every ancestor: killing one would kill the run (or the shell that started it).
  const lineage = new Set<number>();
  for (let pid = selfPid, hops = 0; pid > 0 && !lineage.has(pid) && hops < 4096; hops++) {
    lineage.add(pid);
    const p = lookup(pid);
    if (!p) break;
    pid = p.ppid;
  }
  const builtIn = (p: ProcessInfo): string | null => {
    if (p.pid <= 1) return "PID 1";
    if (p.kernelThread) return "kernel thread";
    if (p.pid === selfPid) return "the agent itself";
    if (lineage.has(p.pid)) return "an ancestor of the agent";
    // The protect list may name cmdline or user, which only detailed processes carry:
    // never let a missing read look like "not protected".
    if (p.argv === null || p.uid === null) return "not read in detail (cannot check protect)";
    return null;
  };
  return {
    builtIn,
    reason(p) {
      const fixed = builtIn(p);
      if (fixed) return fixed;
      for (const [index, selector] of protect.entries()) {
        const verdict = judgeEntry(selector, p, lookup);
        if (verdict.kind === "matches") return `listed in protect[${index}]`;
        if (verdict.kind === "cannot-check")
          return `protect[${index}] cannot be checked (${verdict.unknown})`;
      }
      return null;
    },
  };
}
