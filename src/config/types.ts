import type { SinkConfig } from "../sinks/registry.js";
import type { Conditions } from "./conditions/registry.js";
import type { SizeLimit } from "./conditions/rss-over.js";
import type { PathGlob } from "./files/path-glob.js";
import type { Selector } from "./selectors/registry.js";

// The config after validation and normalisation: units in ms and bytes, regexes compiled.
// Plain data; the core (plan) takes this and never sees YAML.

export type Action = "kill" | "alert" | "report";
export type Severity = "info" | "warning" | "critical";
export type SignalName =
  "SIGTERM" | "SIGINT" | "SIGHUP" | "SIGQUIT" | "SIGUSR1" | "SIGUSR2" | "SIGKILL";

// What a process is: one module per selector (src/config/selectors/), the type derived from them.
export type { Selector, SelectorField } from "./selectors/registry.js";
export type { PortRange } from "./selectors/listening-port.js";

// When a selected process is acted on: one module per condition (src/config/conditions/).
export type { Conditions, ConditionField } from "./conditions/registry.js";
export type { SizeLimit } from "./conditions/rss-over.js";

export type Resource = "memory" | "swap" | "cpu" | "load" | "disk";
export type ThresholdLevel = "warn" | "critical";

export interface Rule {
  name: string;
  description?: string;
  /** Index in the file, for messages. */
  index: number;
  selector: Selector;
  conditions: Conditions;
  action: Action;
  severity: Severity;
  kill?: KillOptions;
  /** Apply only while each resource is at this level or worse. */
  when?: Partial<Record<Resource, ThresholdLevel>>;
  /** Alert policy overrides for this rule's alerts. */
  forRuns?: number;
  remindMs?: number;
}

export interface AlertPolicy {
  /** Consecutive runs a condition must stand before it alerts. */
  forRuns: number;
  /** Repeat while it lasts; null = never. */
  remindMs: number | null;
  /** Send a notice when it clears. */
  recovery: boolean;
}

export interface AlertsConfig extends AlertPolicy {
  outboxLimit: number;
  sinks: SinkConfig[];
}

export interface KillOptions {
  signal: SignalName;
  graceMs: number;
  tree: boolean;
  maxKills: number;
}

export interface Settings {
  reapers: string[];
  pid1AdoptsOrphans: boolean;
  graceMs: number;
  maxKillsPerRule: number;
  maxKillsPerRun: number;
  /** Default removal budget (files) of a file rule. */
  maxFilesPerRule: number;
  maxFilesPerRun: number;
  /** The most bytes one run's file rules may remove; null = no byte limit. */
  maxFileBytesPerRun: number | null;
  stateDir?: string;
  cpuSampleMs: number;
  statfsTimeoutMs: number;
  topProcesses: number;
  /** settings.run_deadline: a whole run's budget (see src/shared/deadline.ts). */
  runDeadlineMs: number;
  /** settings.trust_paths: accepted as root whoever owns or can write them. */
  trustPaths: string[];
}

/** warn ≤ critical; percentages 0–100, load per core. */
export interface Levels {
  warn: number;
  critical: number;
}

export interface Thresholds {
  memory: Levels | null;
  swap: Levels | null;
  cpu: Levels | null;
  load: Levels | null;
  disk: (Levels & { mounts: string[] }) | null;
}

/** An HTTP(S) GET that says whether a service is healthy. */
export interface HealthCheck {
  url: string;
  timeoutMs: number;
  /** Accepted HTTP statuses; null = any 2xx. */
  expectStatus: number[] | null;
  /** Each JSON field (dotted path) must equal its value, e.g. { path: "status", equals: "healthy" }. */
  expectJson: { path: string; equals: string | number | boolean | null }[];
  /** Values shown with the result: label and dotted JSON path, e.g. { label: "cpu", path: "cpu_percent" }. */
  show: { label: string; path: string }[];
  /** Where `show` reads from (a JSON endpoint); default the health response itself. */
  metricsUrl?: string;
  /** Verify the server's TLS certificate (https). */
  tlsVerify: boolean;
  /** After this many failed runs in a row, kill the port's holder if (and only if) it is stale by the rules. */
  killAfter?: number;
}

/** A service the agent tracks: its processes, PID files and health. */
export interface Service {
  name: string;
  index: number;
  /** What the service's processes are. */
  selector: Selector;
  /** Absolute glob patterns (relative ones resolved against the rules file's directory). */
  pidFiles: string[];
  /** Delete a PID file whose process is dead. */
  removeStalePidFiles: boolean;
  /** Only one instance should run: an older one is stale when the same command runs again. */
  singleInstance: boolean;
  severity: Severity;
  health?: HealthCheck;
  forRuns?: number;
  remindMs?: number;
}

export interface Config {
  /** Absolute path of the file it came from. */
  file: string;
  settings: Settings;
  thresholds: Thresholds;
  alerts: AlertsConfig;
  protect: Selector[];
  /** Enabled rules only, in file order. */
  rules: Rule[];
  services: Service[];
  /** Enabled file rules only, in file order. */
  files: FileRule[];
}

// Leftover files: a path glob compiled once (files/path-glob.ts).
export type { PathGlob, NameMatch } from "./files/path-glob.js";

export type FileAction = "report" | "alert" | "remove";
export type FileKind = "file" | "dir" | "any";

/** When a file rule acts on a file whose name matched; every given one must hold. */
export interface FileConditions {
  /** Both mtime and ctime at least this old. */
  olderThanMs?: number;
  /** User names or uids. */
  owner?: (string | number)[];
  sizeOver?: SizeLimit;
  noHolder?: true;
  /** The pid the name carries (`<pid>`, in every path) is not running. */
  creatorGone?: true;
}

/** A rule for leftover files (rules.yaml's `files:`). */
export interface FileRule {
  name: string;
  description?: string;
  /** Index in `files:`, for messages. */
  index: number;
  paths: PathGlob[];
  kind: FileKind;
  conditions: FileConditions;
  action: FileAction;
  severity: Severity;
  /** Removal budget (remove rules): files, and bytes (null = no byte limit). */
  maxFiles: number;
  maxBytes: number | null;
}
