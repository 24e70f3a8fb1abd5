// Validated raw config → Config: units to ms/bytes, regexes compiled, defaults filled in.
// Only called on data the schema accepted, so every parse here succeeds.
import { dirname, isAbsolute, resolve } from "node:path";
import { DEFAULT_REAPERS, type RawRule, type RawService, type RulesFile } from "./schema.js";
import { normaliseSink } from "../sinks/registry.js";
import type {
  AlertsConfig,
  Config,
  HealthCheck,
  Levels,
  Rule,
  Service,
  Settings,
  Thresholds,
} from "./types.js";
import { normaliseFileRules } from "./files/normalise.js";
import { normaliseMatch } from "./presets/expand.js";
import { normaliseSelector } from "./selectors/registry.js";
import { list } from "./selectors/spec.js";
import { parseDuration, parsePercent, parseSize } from "./units.js";

export const DEFAULTS = {
  graceMs: 10_000,
  maxKillsPerRule: 20,
  maxKillsPerRun: 100,
  maxFilesPerRule: 100,
  maxFilesPerRun: 500,
  cpuSampleMs: 250,
  statfsTimeoutMs: 2_000,
  // Well under the systemd unit's TimeoutStartSec=5min; a normal run takes well under a second
  // plus its longest grace.
  runDeadlineMs: 120_000,
  topProcesses: 10,
  // The thresholds of the monitor this replaces.
  memory: { warn: 75, critical: 85 },
  cpu: { warn: 80, critical: 90 },
  disk: { warn: 80, critical: 90, mounts: ["/"] },
} as const;

export function normalise(raw: RulesFile, file: string): Config {
  const s = raw.settings ?? {};
  const settings: Settings = {
    reapers: s.reapers ?? DEFAULT_REAPERS,
    pid1AdoptsOrphans: s.pid1_adopts_orphans ?? true,
    graceMs: s.grace !== undefined ? ms(s.grace) : DEFAULTS.graceMs,
    maxKillsPerRule: s.max_kills_per_rule ?? DEFAULTS.maxKillsPerRule,
    maxKillsPerRun: s.max_kills_per_run ?? DEFAULTS.maxKillsPerRun,
    maxFilesPerRule: s.max_files_per_rule ?? DEFAULTS.maxFilesPerRule,
    maxFilesPerRun: s.max_files_per_run ?? DEFAULTS.maxFilesPerRun,
    // No byte limit by default: the file budgets bound a run, and a leak is measured in bytes.
    maxFileBytesPerRun:
      s.max_file_bytes_per_run !== undefined ? size(s.max_file_bytes_per_run) : null,
    ...(s.state_dir !== undefined && { stateDir: s.state_dir }),
    cpuSampleMs: s.cpu_sample !== undefined ? ms(s.cpu_sample) : DEFAULTS.cpuSampleMs,
    statfsTimeoutMs:
      s.statfs_timeout !== undefined ? ms(s.statfs_timeout) : DEFAULTS.statfsTimeoutMs,
    topProcesses: s.top_processes ?? DEFAULTS.topProcesses,
    runDeadlineMs: s.run_deadline !== undefined ? ms(s.run_deadline) : DEFAULTS.runDeadlineMs,
    trustPaths: s.trust_paths ?? [],
  };
  const t = raw.thresholds ?? {};
  const thresholds: Thresholds = {
    memory: t.memory === false ? null : t.memory ? percentLevels(t.memory) : { ...DEFAULTS.memory },
    swap: t.swap ? percentLevels(t.swap) : null,
    cpu: t.cpu === false ? null : t.cpu ? percentLevels(t.cpu) : { ...DEFAULTS.cpu },
    load: t.load ? { warn: t.load.warn, critical: t.load.critical } : null,
    disk:
      t.disk === false
        ? null
        : t.disk
          ? { ...percentLevels(t.disk), mounts: t.disk.mounts ?? [...DEFAULTS.disk.mounts] }
          : { ...DEFAULTS.disk, mounts: [...DEFAULTS.disk.mounts] },
  };
  const rawRules = raw.rules ?? [];
  const rules = rawRules
    .map((rule, index) => normaliseRule(rule, index, settings))
    .filter((rule, index) => rawRules[index]?.enabled !== false);
  return {
    file,
    settings,
    thresholds,
    alerts: normaliseAlerts(raw.alerts),
    protect: (raw.protect ?? []).map(normaliseSelector),
    rules,
    services: (raw.services ?? [])
      .map((service, index) => normaliseService(service, index, file))
      .filter((service, index) => raw.services?.[index]?.enabled !== false),
    files: normaliseFileRules(raw.files ?? [], settings),
  };
}

const HEALTH_TIMEOUT_MS = 5_000;

function normaliseService(raw: RawService, index: number, file: string): Service {
  const service: Service = {
    name: raw.name,
    index,
    selector: normaliseSelector(raw.match),
    // Relative to the rules file, like an include: the same file works from any working directory.
    pidFiles: list(raw.pid_files ?? []).map((p) => (isAbsolute(p) ? p : resolve(dirname(file), p))),
    removeStalePidFiles: raw.remove_stale_pid_files ?? false,
    singleInstance: raw.single_instance ?? false,
    severity: raw.severity ?? "warning",
  };
  if (raw.for !== undefined) service.forRuns = raw.for;
  if (raw.remind !== undefined) service.remindMs = ms(raw.remind);
  if (raw.health) {
    const h = raw.health;
    const health: HealthCheck = {
      url: h.url,
      timeoutMs: h.timeout !== undefined ? ms(h.timeout) : HEALTH_TIMEOUT_MS,
      expectStatus: h.expect_status !== undefined ? list(h.expect_status) : null,
      expectJson: Object.entries(h.expect_json ?? {}).map(([path, equals]) => ({ path, equals })),
      show: Object.entries(h.show ?? {}).map(([label, path]) => ({ label, path })),
      tlsVerify: h.tls_verify ?? true,
    };
    if (h.metrics_url !== undefined) health.metricsUrl = h.metrics_url;
    if (h.kill_after !== undefined) health.killAfter = h.kill_after;
    service.health = health;
  }
  return service;
}

function normaliseRule(raw: RawRule, index: number, settings: Settings): Rule {
  const m = raw.match;
  const rule: Rule = {
    name: raw.name,
    index,
    // The rule's selectors and conditions, its presets' ANDed in (presets/expand.ts).
    ...normaliseMatch(m),
    action: raw.action,
    severity: raw.severity ?? (raw.action === "report" ? "info" : "warning"),
  };
  if (raw.description !== undefined) rule.description = raw.description;
  if (raw.when !== undefined) rule.when = { ...raw.when };
  if (raw.for !== undefined) rule.forRuns = raw.for;
  if (raw.remind !== undefined) rule.remindMs = ms(raw.remind);
  if (raw.action === "kill") {
    rule.kill = {
      signal: raw.signal ?? "SIGTERM",
      graceMs: raw.grace !== undefined ? ms(raw.grace) : settings.graceMs,
      tree: raw.tree ?? true,
      maxKills: raw.max_kills ?? settings.maxKillsPerRule,
    };
  }
  return rule;
}

function normaliseAlerts(raw: RulesFile["alerts"]): AlertsConfig {
  const a = raw ?? {};
  return {
    forRuns: a.for ?? 1,
    remindMs: a.remind !== undefined ? ms(a.remind) : null,
    recovery: a.recovery ?? true,
    outboxLimit: a.outbox_limit ?? 500,
    sinks: (a.sinks ?? [{ type: "log", name: "log" }]).map((sink) => normaliseSink(sink, { ms })),
  };
}

function percentLevels(raw: { warn: string; critical: string }): Levels {
  return { warn: percent(raw.warn), critical: percent(raw.critical) };
}

function percent(text: string): number {
  const parsed = parsePercent(text);
  if (!parsed.ok) throw new Error(`unreachable: schema accepted percentage ${text}`);
  return parsed.value;
}

function size(text: string): number {
  const parsed = parseSize(text);
  if (!parsed.ok) throw new Error(`unreachable: schema accepted size ${text}`);
  return parsed.value;
}

function ms(text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new Error(`unreachable: schema accepted duration ${text}`);
  return parsed.value;
}
