// The measure stage: PID files, the process table, host metrics and the CPU sample, and the
// services' health probes (started here, waited for by decide). `cleanup port` reuses the scan.
import type { Config } from "../config/types.js";
import {
  CPU_STATE_FILE,
  CPU_STATE_VERSION,
  checkCpuState,
  processCpuIndex,
  processCpuPercent,
  processCpuSinceScan,
  type CpuState,
} from "../host/cpu.js";
import { readHostMetrics } from "../host/read-host.js";
import { readDisks } from "../host/statfs.js";
import { evaluateThresholds } from "../host/thresholds.js";
import { readGpuHolders, type GpuHolders } from "../host/gpu-holders.js";
import { readShmUsage, type ShmUsage } from "../host/shm-usage.js";
import { readTopProcesses, type TopProcess } from "../host/top.js";
import { scanNeeds, type DetailScope } from "../rules/detail-filter.js";
import { findAdopters } from "../rules/orphans.js";
import { readProcessTable, type ScanOptions } from "../scan/read-process-table.js";
import { ScanError, type Snapshot } from "../scan/types.js";
import { probeAll } from "../services/health.js";
import type { PidFileRead } from "../scan/pid-files.js";
import { namedPids, readServicePidFiles } from "../scan/pid-files.js";
import { fromCheck } from "../state/shape.js";
import { announceScanError } from "./announce.js";
import type { RunContext } from "./context.js";
import { cpuTiming, finishCpu, measureCpu, readCpuNow } from "./cpu-sample.js";
import { scanSummary } from "./report.js";
import { checkpoint } from "./stop.js";
import type { Measured, Run } from "./types.js";
import { packageVersion } from "./version.js";

export async function measure(run: Run): Promise<Measured> {
  const { ctx, config, state } = run;
  const { clock, deadline } = ctx;
  let hostStarted = clock.monotonic();
  const previous = state.read<CpuState>(
    CPU_STATE_FILE,
    CPU_STATE_VERSION,
    fromCheck(checkCpuState),
  );
  const cpuBefore = readCpuNow(ctx);
  // statfs children run while /proc is scanned (and are forked while the heap is still small).
  // PID files before the scan, so the pids they name are read in detail.
  const pidFiles = readPidFiles(config);
  const disks = readDisks(
    config.thresholds.disk?.mounts ?? [],
    deadline.bound(config.settings.statfsTimeoutMs),
    ctx.procRoot,
  );
  let hostMs = clock.monotonic() - hostStarted;

  checkpoint(ctx, "scan");
  let snapshot: Snapshot;
  try {
    snapshot = scanProcesses(ctx, config, {
      detailPids: namedPids(pidFiles),
      // kill_after judges the process on the probe's port.
      wantListeners: config.services.some((s) => s.health?.killAfter !== undefined),
      // A live run reads in detail only what could be a candidate; a dry run or status also
      // what it explains as spared (rules/detail-filter.ts).
      scope: run.mode === "run" ? "act" : "explain",
    });
  } catch (error) {
    // The config is good, so its sinks can say that the host cannot be watched.
    if (error instanceof ScanError) await announceScanError(run, error);
    throw error;
  }
  run.partial.scan = scanSummary(snapshot);
  checkpoint(ctx, "host metrics");

  // Probes start after the scan (a synchronous scan would eat their deadline) and run while
  // the CPU sample waits and the host is read.
  const probing = probeAll(
    config.services.flatMap((s) =>
      s.health
        ? [{ name: s.name, check: { ...s.health, timeoutMs: deadline.bound(s.health.timeoutMs) } }]
        : [],
    ),
    { userAgent: `cleanup/${packageVersion()}`, monotonic: () => clock.monotonic() },
  );

  hostStarted = clock.monotonic();
  // Only a rule that asks for the current CPU makes the run wait before it plans (cpu-sample.ts).
  const timing = cpuTiming(config, run.mode);
  const cpu = await measureCpu(ctx, config, previous, cpuBefore, timing === "before-plan");
  const host = await readHostMetrics({
    procRoot: ctx.procRoot,
    now: () => clock.now(),
    monotonic: () => clock.monotonic(),
    mounts: config.thresholds.disk?.mounts ?? [],
    statfsTimeoutMs: deadline.bound(config.settings.statfsTimeoutMs),
    cpu: cpu.cpu,
    disks,
  });
  const thresholds = evaluateThresholds(host, config.thresholds);
  hostMs += clock.monotonic() - hostStarted - cpu.sampleWaitMs;
  run.partial.host = host;
  run.partial.thresholds = thresholds;
  return {
    pidFiles,
    snapshot,
    host,
    thresholds,
    cpuSinceBase: cpu.sinceBase,
    cpuNow: cpu.cpuNow,
    cpuBefore: timing === "after-kills" ? cpu.before : null,
    probing,
    timings: { hostMs, sampleWaitMs: cpu.sampleWaitMs },
  };
}

/**
 * After the kills: the in-run CPU sample's wait, if one is still due (only a threshold or
 * `status` needs the figure, so the signals went first), and the thresholds with its figure.
 */
export async function finishMeasure(run: Run, measured: Measured): Promise<Measured> {
  if (!measured.cpuBefore) return measured;
  const { ctx, config } = run;
  const cpu = await finishCpu(ctx, config, {
    cpu: measured.host.cpu,
    cpuNow: measured.cpuNow,
    sinceBase: measured.cpuSinceBase,
    sampleWaitMs: measured.timings.sampleWaitMs,
    before: measured.cpuBefore,
  });
  const host = { ...measured.host, cpu: cpu.cpu };
  const thresholds = evaluateThresholds(host, config.thresholds);
  run.partial.host = host;
  run.partial.thresholds = thresholds;
  return {
    ...measured,
    host,
    thresholds,
    cpuNow: cpu.cpuNow,
    cpuBefore: null,
    timings: { ...measured.timings, sampleWaitMs: cpu.sampleWaitMs },
  };
}

/** The services' PID files, read before the scan so that the pids they name are read in detail. */
export function readPidFiles(config: Config): ReadonlyMap<string, readonly PidFileRead[]> {
  return readServicePidFiles(config.services);
}

export interface ScanExtras {
  /** Pids to read in detail whatever the rules say (those in services' PID files). */
  detailPids?: ReadonlySet<number>;
  /** Every process in detail (`cleanup port`: any of them may hold the port). */
  everyProcess?: boolean;
  /** These pids and their parents in detail (`cleanup explain`: judged against every rule). */
  withParents?: ReadonlySet<number>;
  /** The socket tables and every detailed process's sockets, whatever the rules need. */
  wantListeners?: boolean;
  /**
   * `cleanup port`, once it knows the holders: these pids, their ancestors, PID 1 and the
   * agent's lineage in detail, and nothing else (not the rules' filter, parents or trees).
   * Unless `statOfAll`, only their stat is read too: a partial snapshot (Snapshot.partial).
   */
  lineages?: { pids: readonly number[]; statOfAll: boolean };
  /** The socket inodes a pass over every fd directory just read (ScanOptions.socketInodes). */
  socketInodes?: ScanOptions["socketInodes"];
  /** "act": a live run's reads (candidates only); default "explain" (rules/detail-filter.ts). */
  scope?: DetailScope;
}

/** The process table, read in the detail the config asks for (and `extras`). */
export function scanProcesses(ctx: RunContext, config: Config, extras: ScanExtras = {}): Snapshot {
  const needs = scanNeeds(config, ctx.who.actor, extras.detailPids, extras.scope);
  return readProcessTable({
    procRoot: ctx.procRoot,
    selfPid: ctx.who.pid,
    now: () => ctx.clock.now(),
    monotonic: () => ctx.clock.monotonic(),
    ...(ctx.passwdPath !== undefined && { passwdPath: ctx.passwdPath }),
    ...needs,
    ...(extras.everyProcess && { detailFilter: () => () => true }),
    ...(extras.withParents && {
      detailFilter: withParents(needs.detailFilter, extras.withParents),
    }),
    ...(extras.lineages && {
      ...(!extras.lineages.statOfAll && { seeds: extras.lineages.pids }),
      detailFilter: lineagesFilter([...extras.lineages.pids, 1, ctx.who.pid]),
      wantParentDetail: false,
      wantDescendantDetail: false,
    }),
    wantListeners: needs.wantListeners || extras.wantListeners === true,
    ...(extras.socketInodes && { socketInodes: extras.socketInodes }),
  });
}

/** `pids` and their ancestors, up the ppid chain of the table as read. */
function lineagesFilter(pids: readonly number[]): ScanOptions["detailFilter"] {
  return (processes) => {
    const byPid = new Map(processes.map((p) => [p.pid, p]));
    const wanted = new Set<number>();
    for (const pid of pids) {
      for (let p = byPid.get(pid); p && !wanted.has(p.pid); p = byPid.get(p.ppid)) {
        wanted.add(p.pid);
      }
    }
    return (p) => wanted.has(p.pid);
  };
}

/** The rules' detail filter, and also `pids` and their parents (known once the table is read). */
function withParents(
  filter: ScanOptions["detailFilter"],
  pids: ReadonlySet<number>,
): ScanOptions["detailFilter"] {
  return (processes) => {
    const wanted = filter(processes);
    const parents = new Set(processes.filter((p) => pids.has(p.pid)).map((p) => p.ppid));
    return (p) => wanted(p) || pids.has(p.pid) || parents.has(p.pid);
  };
}

/** The orphans holding a GPU device: only `status` shows them (an fd listing per orphan). */
export function gpuHolders(run: Run, measured: Measured): GpuHolders | undefined {
  if (run.mode !== "status") return undefined;
  const { ctx, config } = run;
  const { processes } = measured.snapshot;
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const adopters = findAdopters(processes, config.settings, (pid) => byPid.get(pid));
  return readGpuHolders(
    processes,
    (p) => adopters.adopts(p.ppid),
    ctx.procRoot,
    ctx.passwdPath ?? undefined,
  );
}

/** /dev/shm's usage and largest files with their holders: only `status` shows them. */
export async function shmUsage(run: Run, measured: Measured): Promise<ShmUsage | undefined> {
  if (run.mode !== "status") return undefined;
  const { ctx, config } = run;
  return readShmUsage(measured.snapshot.processes, {
    procRoot: ctx.procRoot,
    ...(ctx.passwdPath !== undefined && { passwdPath: ctx.passwdPath }),
    nowMs: ctx.clock.now(),
    statfsTimeoutMs: ctx.deadline.bound(config.settings.statfsTimeoutMs),
  });
}

/** The top processes by memory, with their CPU %: only `status` shows them (smaps_rollup reads). */
export function topProcesses(run: Run, measured: Measured): TopProcess[] | undefined {
  if (run.mode !== "status") return undefined;
  const { ctx, config } = run;
  const { snapshot, cpuSinceBase: since } = measured;
  const earlier = since ? processCpuIndex(since) : null;
  return readTopProcesses(snapshot.processes, config.settings.topProcesses, ctx.procRoot, (p) =>
    earlier && since
      ? processCpuPercent(earlier, since.takenAtMs, p, snapshot.takenAtMs)
      : processCpuSinceScan(
          ctx.procRoot,
          p,
          snapshot.takenAtMs,
          ctx.clock.now(),
          snapshot.clockTicks,
        ),
  );
}
