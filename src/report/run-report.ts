// What one run reports: the type every renderer reads. It lives here, below run/, so that the
// renderers (text, JSON, Nagios, Prometheus, status) never import the run that builds it.
import type { LockHolder } from "../act/lock.js";
import type { KillResult } from "../act/results.js";
import type { FileRemovalResult } from "../act/file-removals.js";
import type { FilePlan } from "../rules/file-plan-types.js";
import type { AlertingReport } from "../alerts/alerting.js";
import type { Action } from "../config/types.js";
import type { ThresholdResult } from "../host/thresholds.js";
import type { GpuHolders } from "../host/gpu-holders.js";
import type { ShmUsage } from "../host/shm-usage.js";
import type { TopProcess } from "../host/top.js";
import type { HostMetrics } from "../host/types.js";
import type { LeftInStoppedUnits } from "../rules/left-in-units.js";
import type { Actor, Plan } from "../rules/plan-types.js";
import type { ServiceReport } from "../services/assess.js";
import type { LastRun } from "../state/last-run.js";

/** run: act; dry-run: plan only; status: plan only, and show the last run. */
export type RunMode = "run" | "dry-run" | "status";

export type RunOutcome =
  /** Everything planned was done (or would be, in a dry run). */
  | "ok"
  /** Done, but something needs a person: a kill failed or a rule was over its budget. */
  | "attention"
  /** Another run holds the lock: this one did nothing. */
  | "busy"
  /** settings.run_deadline passed: the run stopped there (see RunReport.deadline). */
  | "deadline";

/** Where a run can stop at its deadline: each is checked before it starts. */
export type RunStage = "scan" | "host metrics" | "plan" | "signals" | "delivery";

/** Why a run stopped early: where, and what it left undone (for the report, audit and last run). */
export interface DeadlineStop {
  limitMs: number;
  stage: RunStage;
  notDone: string[];
}

export interface ScanSummary {
  processes: number;
  detailed: number;
  /**
   * A live run only: processes a rule's selector could take but whose stat facts fail every
   * rule, so not read in detail (a dry run reads them and says why each is spared).
   */
  notDetailed?: number;
  unreadable: number;
  scanMs: number;
  takenAt: string;
}

export interface RunReport {
  outcome: RunOutcome;
  mode: RunMode;
  dryRun: boolean;
  configFile: string;
  stateDir: string;
  auditLog: string | null;
  actor: Actor;
  lockHolder?: LockHolder;
  scan?: ScanSummary;
  host?: HostMetrics;
  thresholds?: ThresholdResult[];
  plan?: Plan;
  results: KillResult[];
  top?: TopProcess[];
  /** Orphans holding GPU devices (status only). */
  gpuHolders?: GpuHolders;
  /** Processes left in the cgroups of stopped units (status only). */
  leftInStoppedUnits?: LeftInStoppedUnits;
  /** The leftover-file plan and its removals, when the config has `files:` rules. */
  files?: FilesReport;
  /** /dev/shm's usage and largest files with their holders (status only). */
  shm?: ShmUsage;
  /** The previous acting run (status only). */
  lastRun?: LastRun | null;
  /** What was told (or, in a dry run, would be) and how each sink took it. */
  alerts?: AlertingReport;
  /** The rules in force, so metrics can say 0 for a rule that matched nothing. */
  rules?: { name: string; action: Action }[];
  /** Tracked services: instances, PID files, health. */
  services?: ServiceReport[];
  /** State files that could not be read (corrupt ones are set aside by live runs). */
  stateProblems: string[];
  /**
   * hostMs: what host monitoring adds to a run (CPU state read and write, metrics, thresholds,
   * top processes), not counting an in-run CPU sample's wait, which is sampleWaitMs.
   */
  timings?: { scanMs: number; hostMs: number; sampleWaitMs: number };
  /** Set when the run passed settings.run_deadline (outcome "deadline"). */
  deadline?: DeadlineStop;
  durationMs: number;
}

/** One line for the audit log and the last-run state. */
export function deadlineText(stop: DeadlineStop): string {
  return `run deadline (${stop.limitMs} ms) passed before ${stop.stage}; not done: ${stop.notDone.join("; ")}`;
}

/** The run's leftover files: what the plan decided, and what the removals did. */
export interface FilesReport {
  plan: FilePlan;
  /** Removals attempted after the kills (dry: would-remove). */
  results: FileRemovalResult[];
  /** Files listed in the rules' directories (matching a rule's globs). */
  listed: number;
  /** The holder read: processes looked at, its cost, and those whose holdings were unreadable. */
  holders: { scanned: number; ms: number; unknown: { pid: number; reason: string }[] };
}
