// What plan() returns: plain data, printed as is by `--dry-run --json`.
import type { Action, Severity, SignalName } from "../config/types.js";
import type { SpareCode } from "./match.js";

/** The facts of a process the plan names; (pid, startTicks) is its identity. */
export interface ProcessRef {
  pid: number;
  startTicks: number;
  ppid: number;
  comm: string;
  /** At most ARGV_EXCERPT_CHARS (scan/cmdline.ts): a hostile argv is not copied whole. */
  argv: string[];
  /** readlink /proc/PID/exe, when the scan read it. */
  exe?: string;
  /** Set when argv is cut (by the scan's read or by the excerpt). */
  argvTruncated?: true;
  /** With argvTruncated: the whole command line's size in bytes, where known. */
  argvBytes?: number;
  user: string | null;
  state: string;
  ageMs: number;
  rssBytes: number;
  /** The systemd unit its cgroup belongs to, where the scan read the cgroup (rules/unit-facts.ts). */
  unit?: UnitRef;
}

/** "in unit worker.service, inactive (dead)": named for every process whose cgroup was read. */
export interface UnitRef {
  name: string;
  /** The user manager's (or a container's) unit that holds it; absent = the system manager's. */
  manager?: string;
  /** Its state as systemd told it ("inactive (dead)"), or why it is unknown. */
  state: string;
  /** Stopped by unit_stopped's definition; absent = unknown. */
  stopped?: boolean;
}

export interface PlanEntry {
  action: Action;
  rule: string;
  severity: Severity;
  process: ProcessRef;
  /** The facts that decided, e.g. "orphaned (parent 1 systemd)", "age 2d ≥ 1d". */
  facts: string[];
  kill?: KillStep;
}

export interface KillStep {
  signal: SignalName;
  graceMs: number;
  /** Set for a descendant killed as part of its ancestor's tree. */
  treeOf?: number;
}

/** A process a rule's selector matched but that the rule did not act on, and why. */
export interface SparedEntry {
  rule: string;
  process: ProcessRef;
  code: SpareCode;
  reasons: string[];
}

/** A rule that would have killed more than a budget allows: it kills nothing this run. */
export interface BudgetRefusal {
  rule: string;
  scope: "rule" | "run";
  wouldKill: number;
  budget: number;
  severity: Severity;
  message: string;
}

/** A rule whose `when` did not hold this run: not evaluated at all. */
export interface InactiveRule {
  rule: string;
  reason: string;
}

export interface Plan {
  entries: PlanEntry[];
  spared: SparedEntry[];
  refusals: BudgetRefusal[];
  inactive: InactiveRule[];
}

export interface Actor {
  uid: number;
  /** root, or CAP_KILL: may signal any user's processes. */
  mayKillAnyUser: boolean;
}
