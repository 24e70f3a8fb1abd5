// What the stages of a run hand each other: each stage takes the run and what the stages before
// it produced, and returns its own part.
import type { KillResult } from "../act/results.js";
import type { FileRemovalResult } from "../act/file-removals.js";
import type { FilesDecided } from "./files.js";
import type { Session } from "../act/session.js";
import type { AlertingReport } from "../alerts/alerting.js";
import type { Config } from "../config/types.js";
import type { CpuNow, CpuState } from "../host/cpu.js";
import type { ThresholdResult } from "../host/thresholds.js";
import type { GpuHolders } from "../host/gpu-holders.js";
import type { ShmUsage } from "../host/shm-usage.js";
import type { TopProcess } from "../host/top.js";
import type { HostMetrics } from "../host/types.js";
import type { DeadlineStop, RunMode, RunReport, RunStage } from "../report/run-report.js";
import type { LeftInStoppedUnits } from "../rules/left-in-units.js";
import type { Plan, PlanEntry } from "../rules/plan-types.js";
import type { Snapshot } from "../scan/types.js";
import type { ServiceAssessment } from "../services/assess.js";
import type { HealthResult } from "../services/health.js";
import type { HealthState } from "../services/health-state.js";
import type { PidFileRead } from "../scan/pid-files.js";
import type { StateFiles } from "../state/reader.js";
import type { ContextOptions, RunContext } from "./context.js";

export interface RunOptions extends ContextOptions {
  configPath: string;
  /** --allow-untrusted-config: read the rules file as root even if another user can write it. */
  allowUntrustedConfig?: boolean;
  mode: RunMode;
  /** --state-dir; else settings.state_dir; else the default for this user. */
  stateDir?: string;
  /** Told the run's deadline once the config is read (the daemon's backstop timer). */
  onDeadline?: (limitMs: number) => void;
  /** --textfile: checked like the state dir (as root, root's alone) before anything is done. */
  textfileDir?: string;
}

export type ReadySession = Extract<Session, { kind: "ready" }>;

/** An open run: config read, lock held (live), state files at hand. */
export interface Run {
  ctx: RunContext;
  mode: RunMode;
  live: boolean;
  config: Config;
  stateDir: string;
  session: ReadySession;
  state: StateFiles;
  /** Paths accepted only because settings.trust_paths lists them (textfile and state dir). */
  warnings: string[];
  /** What is known so far, for a report cut short by the deadline. */
  partial: Pick<RunReport, "scan" | "host" | "thresholds" | "plan">;
}

export interface Measured {
  pidFiles: ReadonlyMap<string, readonly PidFileRead[]>;
  snapshot: Snapshot;
  host: HostMetrics;
  thresholds: ThresholdResult[];
  /** The previous run's CPU state, when this run's figures are measured since it. */
  cpuSinceBase: CpuState | null;
  /** The counters read last (saved for the next run). */
  cpuNow: CpuNow | null;
  /**
   * The counters read before the scan while the in-run CPU sample is still due: it waits after
   * the kills (finishMeasure), since only a threshold or status needs the figure. Else null.
   */
  cpuBefore: CpuNow | null;
  /** Health probes, started after the scan; the decide stage waits for them. */
  probing: Promise<Map<string, HealthResult>>;
  timings: { hostMs: number; sampleWaitMs: number };
}

export interface Decided {
  /** The rules' plan. */
  plan: Plan;
  /** The plan and the kills of failing probes' stale holders: what was decided this run. */
  decided: Plan;
  /** Every kill to send, the plan's first. */
  kills: PlanEntry[];
  services: ServiceAssessment;
  health: Map<string, HealthResult>;
  previousHealth: HealthState | null;
  /** The leftover-file plan, when the config has `files:` rules. */
  files?: FilesDecided;
}

export interface Acted {
  results: KillResult[];
  /** The file plan's removals (after the kills); dry: what would be removed. */
  fileResults: FileRemovalResult[];
  /** What the deadline left undone so far. */
  notDone: string[];
  stoppedAt: RunStage | null;
}

export interface Announced {
  alerts: AlertingReport;
  /** Set when the deadline left something undone (signals or deliveries). */
  stop: DeadlineStop | null;
}

/** What the stages of a whole run produced: persist and report read it. */
export interface Stages {
  measured: Measured;
  decided: Decided;
  acted: Acted;
  /** Top processes (status only). */
  top: TopProcess[] | undefined;
  /** Orphans holding GPU devices (status only). */
  gpuHolders?: GpuHolders | undefined;
  /** Processes left in stopped units (status only). */
  leftInUnits?: LeftInStoppedUnits | undefined;
  /** /dev/shm's usage and largest files (status only). */
  shm?: ShmUsage | undefined;
  announced: Announced;
}
