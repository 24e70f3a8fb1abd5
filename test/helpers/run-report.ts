// A realistic RunReport built by hand, for the report renderers' unit tests: a live run on a host
// with memory at warn, one mount that did not answer, two kill rules (one kill failed), one rule
// over its budget, an alert rule, and a sink that failed.
import type { KillResult } from "../../src/act/results.js";
import type { ThresholdResult } from "../../src/host/thresholds.js";
import type { HostMetrics } from "../../src/host/types.js";
import type { PlanEntry, ProcessRef, SparedEntry } from "../../src/rules/plan-types.js";
import type { RunReport } from "../../src/report/run-report.js";

export function proc(pid: number, argv: string[], extra: Partial<ProcessRef> = {}): ProcessRef {
  return {
    pid,
    startTicks: 1000 + pid,
    ppid: 1,
    comm: "python3",
    argv,
    user: "app",
    state: "S",
    ageMs: 3_600_000,
    rssBytes: 15_000_000,
    ...extra,
  };
}

export function killEntry(rule: string, pid: number, treeOf?: number): PlanEntry {
  return {
    action: "kill",
    rule,
    severity: "warning",
    process: proc(pid, ["/srv/venv/bin/python3", "-c", "from multiprocessing.spawn import x"]),
    facts: ["orphaned (parent 1 systemd)"],
    kill: { signal: "SIGTERM", graceMs: 10_000, ...(treeOf !== undefined && { treeOf }) },
  };
}

export function alertEntry(rule: string, pid: number, severity: PlanEntry["severity"]): PlanEntry {
  return {
    action: "alert",
    rule,
    severity,
    process: proc(pid, ["/usr/bin/hung-job"]),
    facts: ["age 2d ≥ 1d"],
  };
}

export function spared(rule: string, pid: number, code: SparedEntry["code"]): SparedEntry {
  return { rule, process: proc(pid, ["/usr/bin/x"]), code, reasons: [code] };
}

export function result(rule: string, pid: number, outcome: KillResult["outcome"]): KillResult {
  return { pid, startTicks: 1000 + pid, rule, outcome, signals: ["SIGTERM"] };
}

export function threshold(
  key: string,
  value: number | null,
  level: ThresholdResult["level"],
  warn = 75,
  critical = 85,
  unit: ThresholdResult["unit"] = "%",
): ThresholdResult {
  const resource = key.startsWith("disk") ? "disk" : (key as ThresholdResult["resource"]);
  return { key, resource, level, value, unit, warn, critical, message: `${key} ${level}` };
}

export function host(): HostMetrics {
  return {
    takenAtMs: 1_780_000_000_000,
    memory: { totalBytes: 8e9, availableBytes: 1.504e9, usedPercent: 81.2 },
    swap: { totalBytes: 0, freeBytes: 0, usedPercent: 0 },
    cpu: {
      busyPercent: 12.04,
      iowaitPercent: 0.5,
      stealPercent: 0,
      source: "sample",
      intervalMs: 250,
      cores: 4,
    },
    load: { load1: 1.24, load5: 1, load15: 0.8, cores: 4, perCore1: 0.31 },
    disks: [
      {
        mount: "/",
        status: "ok",
        totalBytes: 1e11,
        availableBytes: 7.85e10,
        usedPercent: 21.5,
        inodesTotal: 1e6,
        inodesFree: 969_000,
        inodesUsedPercent: 3.1,
      },
      { mount: "/mnt/nfs", status: "unknown", error: "statfs did not answer within 2s" },
    ],
    pressure: {
      cpu: {
        some: { avg10: 1.5, avg60: 1, avg300: 0.5, totalUs: 1 },
        full: { avg10: 0, avg60: 0, avg300: 0, totalUs: 0 },
      },
      memory: null,
      io: { some: { avg10: 0, avg60: 0, avg300: 0, totalUs: 0 } },
    },
    readMs: 3,
  };
}

/** A live run that needs attention. */
export function liveReport(): RunReport {
  return {
    outcome: "attention",
    mode: "run",
    dryRun: false,
    configFile: "/etc/cleanup/rules.yaml",
    stateDir: "/var/lib/cleanup",
    auditLog: "/var/lib/cleanup/audit.jsonl",
    actor: { uid: 0, mayKillAnyUser: true },
    scan: {
      processes: 312,
      detailed: 20,
      unreadable: 0,
      scanMs: 14,
      takenAt: "2026-06-01T10:00:00.000Z",
    },
    host: host(),
    thresholds: [
      threshold("memory", 81.2, "warn"),
      threshold("cpu", 12.04, "ok", 80, 90),
      threshold("disk:/", 21.5, "ok", 80, 90),
      threshold("disk-inodes:/", 3.1, "ok", 80, 90),
      threshold("disk:/mnt/nfs", null, "unknown", 80, 90),
      threshold("disk-inodes:/mnt/nfs", null, "unknown", 80, 90),
    ],
    plan: {
      entries: [
        killEntry("orphaned-multiprocessing", 101),
        killEntry("orphaned-multiprocessing", 102),
        killEntry("stale-workers", 201),
        alertEntry("hung-jobs", 301, "warning"),
        alertEntry("hung-jobs", 302, "warning"),
      ],
      spared: [
        spared("orphaned-multiprocessing", 110, "parent-alive"),
        spared("hung-jobs", 310, "too-young"),
        spared("big-sweep", 401, "over-budget"),
      ],
      refusals: [
        {
          rule: "big-sweep",
          scope: "rule",
          wouldKill: 60,
          budget: 50,
          severity: "critical",
          message: "rule big-sweep matched 60 processes to kill, over its budget of 50",
        },
      ],
      inactive: [],
    },
    results: [
      result("orphaned-multiprocessing", 101, "terminated"),
      result("orphaned-multiprocessing", 102, "not-permitted"),
      result("stale-workers", 201, "killed"),
    ],
    alerts: {
      notifications: [],
      deliveries: [
        { sink: "mail", type: "email", status: "sent", notifications: 2, dropped: 0 },
        {
          sink: "hook",
          type: "webhook",
          status: "failed",
          notifications: 2,
          dropped: 0,
          error: "connect ECONNREFUSED 127.0.0.1:9",
        },
      ],
      orphaned: {},
    },
    stateProblems: [],
    timings: { scanMs: 14, hostMs: 6, sampleWaitMs: 236 },
    durationMs: 412.3456,
  };
}

/** A dry run on a calm host: one orphan of one rule would be killed. */
export function dryReport(): RunReport {
  const live = liveReport();
  return {
    ...live,
    outcome: "ok",
    mode: "dry-run",
    dryRun: true,
    auditLog: null,
    host: { ...host(), memory: { totalBytes: 8e9, availableBytes: 4.7e9, usedPercent: 41.25 } },
    thresholds: [
      threshold("memory", 41.25, "ok"),
      threshold("cpu", 12, "ok", 80, 90),
      threshold("disk:/", 21.5, "ok", 80, 90),
      threshold("disk-inodes:/", 3.1, "ok", 80, 90),
    ],
    plan: {
      entries: [killEntry("orphaned-multiprocessing", 101)],
      spared: [spared("orphaned-multiprocessing", 110, "parent-alive")],
      refusals: [],
      inactive: [],
    },
    results: [result("orphaned-multiprocessing", 101, "would-kill")],
    alerts: { notifications: [], deliveries: [], orphaned: {} },
    durationMs: 120,
  };
}

/** A run that found the lock held by pid 4242: it did nothing. */
export function busyReport(): RunReport {
  return {
    outcome: "busy",
    mode: "run",
    dryRun: false,
    configFile: "/etc/cleanup/rules.yaml",
    stateDir: "/var/lib/cleanup",
    auditLog: null,
    actor: { uid: 0, mayKillAnyUser: true },
    lockHolder: { pid: 4242, startTicks: 1, since: "2026-06-01T09:59:00.000Z" },
    results: [],
    stateProblems: [],
    durationMs: 2.4,
  };
}
