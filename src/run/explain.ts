// `cleanup explain PID…`: the open and measure stages of a run, read-only, then the pure
// explanation (rules/explain.ts) of the asked pids, with their services.
//
// Read-only by construction: the session is opened as a dry run (no lock taken, no state
// directory created, no audit line; its execute is never called), nothing is persisted, no
// alert is announced. Without the lock a live run may be acting meanwhile; that is safe, as
// explain changes nothing that run reads or writes, and what it shows is one snapshot, like
// `--dry-run`.
import { readDisks } from "../host/statfs.js";
import { readHostMetrics } from "../host/read-host.js";
import { evaluateThresholds, resourceLevels, type Level } from "../host/thresholds.js";
import type { Resource } from "../config/types.js";
import type { ExplainReport } from "../report/explain.js";
import { explainProcesses } from "../rules/explain.js";
import type { Snapshot } from "../scan/types.js";
import { memberships } from "../services/membership.js";
import { namedPids } from "../scan/pid-files.js";
import { createContext, type ContextOptions, type RunContext } from "./context.js";
import { measureCpu, readCpuNow } from "./cpu-sample.js";
import { readPidFiles, scanProcesses } from "./measure.js";
import { open } from "./open.js";
import { fetchUnitStates } from "./unit-states.js";
import type { Config } from "../config/types.js";

export interface ExplainOptions extends Pick<ContextOptions, "procRoot" | "clock" | "actor"> {
  configPath: string;
  allowUntrustedConfig?: boolean;
  pids: readonly number[];
}

export async function explain(options: ExplainOptions): Promise<ExplainReport> {
  const opened = open(createContext(options), { ...options, live: false, deadline: false });
  const { ctx, config } = opened;
  // A dry-run session is always ready (it takes no lock); close it all the same.
  if (opened.kind === "ready") opened.session.close();
  const pidFiles = readPidFiles(config);
  const cpuBefore = needsHost(config) ? readCpuNow(ctx) : null;
  const snapshot = scan(ctx, config, options.pids, namedPids(pidFiles));
  const levels = needsHost(config) ? await hostLevels(ctx, config, cpuBefore) : null;
  const byPid = new Map(snapshot.processes.map((p) => [p.pid, p]));
  const lookup = (pid: number) => byPid.get(pid);
  const units = await fetchUnitStates(snapshot, config);
  const { explanations } = explainProcesses(
    snapshot,
    config,
    ctx.who.actor,
    levels ?? {},
    options.pids,
    units,
  );
  const processes = explanations.map((e, i) =>
    e === null
      ? { pid: options.pids[i]!, found: false as const }
      : {
          ...e,
          found: true as const,
          services: memberships(byPid.get(e.pid)!, config.services, lookup, pidFiles),
        },
  );
  return {
    outcome: processes.every((p) => p.found) ? "explained" : "missing",
    configFile: config.file,
    actor: ctx.who.actor,
    scannedAt: new Date(snapshot.takenAtMs).toISOString(),
    levels,
    processes,
  };
}

/**
 * The table as a run reads it (so the plan, and every budget in it, is the run's), plus the
 * asked pids and their parents in detail whatever the rules' cheap tests say (reading more in
 * detail changes no verdict: the detail filter only skips processes no rule could select), and
 * every detailed process's sockets (the ports it holds).
 */
function scan(
  ctx: RunContext,
  config: Config,
  pids: readonly number[],
  pidFilePids: ReadonlySet<number>,
): Snapshot {
  return scanProcesses(ctx, config, {
    detailPids: pidFilePids,
    withParents: new Set(pids),
    wantListeners: true,
  });
}

function needsHost(config: Config): boolean {
  return config.rules.some((r) => r.when !== undefined);
}

/** The resource levels a run would judge `when` on (its CPU from a short sample). */
async function hostLevels(
  ctx: RunContext,
  config: Config,
  cpuBefore: ReturnType<typeof readCpuNow>,
): Promise<Partial<Record<Resource, Level>>> {
  const mounts = config.thresholds.disk?.mounts ?? [];
  const cpu = await measureCpu(ctx, config, null, cpuBefore);
  const host = await readHostMetrics({
    procRoot: ctx.procRoot,
    now: () => ctx.clock.now(),
    monotonic: () => ctx.clock.monotonic(),
    mounts,
    statfsTimeoutMs: config.settings.statfsTimeoutMs,
    cpu: cpu.cpu,
    disks: readDisks(mounts, config.settings.statfsTimeoutMs, ctx.procRoot),
  });
  return resourceLevels(evaluateThresholds(host, config.thresholds));
}
