// What freeing a port from an older instance kills: the instance and its tree in its own
// session, planned the way a kill rule's targets are (protection, max_kills_per_run), or a
// refusal saying which part may not be killed.
import type { Rule, Service } from "../config/types.js";
import type { Lookup } from "../rules/match.js";
import { killTargets } from "../rules/plan.js";
import type { SparedEntry } from "../rules/plan-types.js";
import { buildProtection } from "../rules/protect.js";
import type { ProcessInfo } from "../scan/types.js";
import { subtree } from "./stale-service.js";
import type { StaleInput, Verdict } from "./stale-types.js";

/**
 * The instance and its descendants in its own session (a daemon it started with setsid, or a
 * terminal session, is not part of it), minus what may never be killed; refused when the holder
 * or the instance may not be killed.
 */
export function staleInstance(
  p: ProcessInfo,
  instance: ProcessInfo,
  service: Service,
  why: string,
  input: StaleInput,
  lookup: Lookup,
): Verdict {
  const refuse = (...more: string[]): Verdict => ({
    pid: p.pid,
    stale: false,
    reasons: [why, ...more],
  });
  const scope = [...subtree(instance, input.snapshot)]
    .map((pid) => lookup(pid)!)
    .filter((q) => q.pid === instance.pid || q.sid === instance.sid);
  // A process in it that some PID file names never gets here: that file vetoes the verdict
  // (judgeOne), since a PID file naming a process inside an instance names the instance.
  if (!scope.some((q) => q.pid === p.pid))
    return refuse(`but it (pid ${p.pid}) is in another session than its instance ${instance.pid}`);
  const spared: SparedEntry[] = [];
  const rule: Rule = {
    name: `service:${service.name}`,
    index: -1,
    selector: service.selector,
    conditions: {},
    action: "kill",
    severity: service.severity,
    kill: {
      signal: "SIGTERM",
      graceMs: input.config.settings.graceMs,
      tree: false,
      maxKills: input.config.settings.maxKillsPerRun,
    },
  };
  const inInstance = `in instance ${instance.pid} of service ${service.name} (same session)`;
  const entries = killTargets(
    rule,
    scope.map((q) => ({ process: q, facts: q.pid === instance.pid ? [why] : [inInstance] })),
    {
      protection: buildProtection(input.snapshot.selfPid, input.config.protect, lookup),
      actor: input.actor,
      children: new Map(),
      killedThisRun: new Set(),
      spared,
    },
  );
  const blocking = spared.filter((s) => s.process.pid === p.pid || s.process.pid === instance.pid);
  if (blocking.length > 0 || !entries.some((e) => e.process.pid === p.pid)) {
    return refuse(
      ...blocking.map((s) => `but pid ${s.process.pid} may not be killed: ${s.reasons.join("; ")}`),
    );
  }
  if (entries.length > input.config.settings.maxKillsPerRun) {
    return refuse(
      `but its tree has ${entries.length} processes, over settings.max_kills_per_run (${input.config.settings.maxKillsPerRun})`,
    );
  }
  // Parts of the tree that may not be killed stay (and say so in the result); the holder goes.
  return { pid: p.pid, stale: true, reasons: [why], entries };
}
