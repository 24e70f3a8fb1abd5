import { describe, expect, it } from "vitest";
import {
  escapeLabelValue,
  renderErrorTextfile,
  renderTextfile,
} from "../../../src/report/prometheus.js";
import type { RunReport } from "../../../src/report/run-report.js";
import {
  busyReport,
  dryReport,
  killEntry,
  liveReport,
  result,
  threshold,
} from "../../helpers/run-report.js";

const NOW = new Date("2026-06-01T10:00:01.500Z");
const NOW_S = "1780308001.5";

/** The sample lines of one metric (exact name; not its HELP/TYPE). */
function samples(text: string, name: string): string[] {
  return text
    .split("\n")
    .filter((l) => l === name || l.startsWith(`${name} `) || l.startsWith(`${name}{`));
}

/**
 * What node_exporter's parser insists on: a final newline, HELP then TYPE before a family's
 * samples, each family in one block, no series twice, no timestamps.
 */
function expectValidTextfile(text: string): void {
  expect(text.endsWith("\n")).toBe(true);
  const seenFamilies = new Set<string>();
  const seenSeries = new Set<string>();
  let current = "";
  const lines = text.slice(0, -1).split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const help = /^# HELP (\w+) /.exec(line);
    if (help) {
      expect(seenFamilies.has(help[1]!), `${help[1]} appears twice`).toBe(false);
      seenFamilies.add(help[1]!);
      current = help[1]!;
      expect(lines[i + 1]).toBe(`# TYPE ${current} gauge`);
      i++;
      continue;
    }
    const sample = /^(\w+)(\{.*\})? (\S+)$/.exec(line);
    expect(sample, `not a sample line: ${line}`).not.toBeNull();
    expect(sample![1]).toBe(current);
    expect(Number.isNaN(Number(sample![3])) && sample![3] !== "NaN").toBe(false);
    const series = `${sample![1]}${sample![2] ?? ""}`;
    expect(seenSeries.has(series), `${series} twice`).toBe(false);
    seenSeries.add(series);
  }
}

describe("renderTextfile", () => {
  it("writes a live run's per-rule counts", () => {
    const text = renderTextfile(liveReport(), NOW);
    expectValidTextfile(text);
    expect(samples(text, "cleanup_orphans_found")).toEqual([
      'cleanup_orphans_found{rule="big-sweep"} 60',
      'cleanup_orphans_found{rule="orphaned-multiprocessing"} 2',
      'cleanup_orphans_found{rule="stale-workers"} 1',
    ]);
    expect(samples(text, "cleanup_processes_killed")).toEqual([
      'cleanup_processes_killed{rule="big-sweep"} 0',
      'cleanup_processes_killed{rule="orphaned-multiprocessing"} 1',
      'cleanup_processes_killed{rule="stale-workers"} 1',
    ]);
    expect(samples(text, "cleanup_kills_failed")).toEqual([
      'cleanup_kills_failed{rule="big-sweep"} 0',
      'cleanup_kills_failed{rule="orphaned-multiprocessing"} 1',
      'cleanup_kills_failed{rule="stale-workers"} 0',
    ]);
    expect(samples(text, "cleanup_processes_spared")).toEqual([
      'cleanup_processes_spared{rule="big-sweep"} 1',
      'cleanup_processes_spared{rule="hung-jobs"} 1',
      'cleanup_processes_spared{rule="orphaned-multiprocessing"} 1',
      'cleanup_processes_spared{rule="stale-workers"} 0',
    ]);
    expect(samples(text, "cleanup_rule_budget_refused")).toEqual([
      'cleanup_rule_budget_refused{rule="big-sweep"} 1',
      'cleanup_rule_budget_refused{rule="orphaned-multiprocessing"} 0',
      'cleanup_rule_budget_refused{rule="stale-workers"} 0',
    ]);
    expect(samples(text, "cleanup_alert_matches")).toEqual([
      'cleanup_alert_matches{rule="hung-jobs"} 2',
    ]);
  });

  it("writes host metrics as ratios, and disks that did not answer as unknown without a value", () => {
    const text = renderTextfile(liveReport(), NOW);
    expect(samples(text, "cleanup_memory_used_ratio")).toEqual(["cleanup_memory_used_ratio 0.812"]);
    expect(samples(text, "cleanup_swap_used_ratio")).toEqual(["cleanup_swap_used_ratio 0"]);
    expect(samples(text, "cleanup_cpu_busy_ratio")).toEqual(["cleanup_cpu_busy_ratio 0.1204"]);
    expect(samples(text, "cleanup_load1_per_core")).toEqual(["cleanup_load1_per_core 0.31"]);
    expect(samples(text, "cleanup_disk_used_ratio")).toEqual([
      'cleanup_disk_used_ratio{mount="/"} 0.215',
    ]);
    expect(samples(text, "cleanup_disk_inodes_used_ratio")).toEqual([
      'cleanup_disk_inodes_used_ratio{mount="/"} 0.031',
    ]);
    expect(samples(text, "cleanup_disk_unknown")).toEqual([
      'cleanup_disk_unknown{mount="/"} 0',
      'cleanup_disk_unknown{mount="/mnt/nfs"} 1',
    ]);
    // memory has no PSI line here (null): no series.
    expect(samples(text, "cleanup_pressure_some_avg10")).toEqual([
      'cleanup_pressure_some_avg10{resource="cpu"} 0.015',
      'cleanup_pressure_some_avg10{resource="io"} 0',
    ]);
  });

  it("writes thresholds: level as a number and the limits in the value's unit", () => {
    const report = liveReport();
    report.thresholds!.push(threshold("load", 3.4, "critical", 1.5, 3, "per core"));
    const text = renderTextfile(report, NOW);
    expect(samples(text, "cleanup_threshold_level")).toEqual([
      'cleanup_threshold_level{key="memory",mount=""} 1',
      'cleanup_threshold_level{key="cpu",mount=""} 0',
      'cleanup_threshold_level{key="disk",mount="/"} 0',
      'cleanup_threshold_level{key="disk-inodes",mount="/"} 0',
      'cleanup_threshold_level{key="disk",mount="/mnt/nfs"} -1',
      'cleanup_threshold_level{key="disk-inodes",mount="/mnt/nfs"} -1',
      'cleanup_threshold_level{key="load",mount=""} 2',
    ]);
    expect(samples(text, "cleanup_threshold_warn")).toContain(
      'cleanup_threshold_warn{key="memory",mount=""} 0.75',
    );
    expect(samples(text, "cleanup_threshold_warn")).toContain(
      'cleanup_threshold_warn{key="load",mount=""} 1.5',
    );
    expect(samples(text, "cleanup_threshold_critical")).toContain(
      'cleanup_threshold_critical{key="disk",mount="/"} 0.9',
    );
    expect(samples(text, "cleanup_threshold_critical")).toContain(
      'cleanup_threshold_critical{key="load",mount=""} 3',
    );
  });

  it("names a mount `mount` in every series: a threshold's joins the disk's on it", () => {
    const text = renderTextfile(liveReport(), NOW);
    // No series carries a mount inside another label's value any more.
    expect(text).not.toMatch(/key="disk(-inodes)?:/);
    // Every series of a threshold family has the same label names (node_exporter's rule).
    for (const family of [
      "cleanup_threshold_level",
      "cleanup_threshold_warn",
      "cleanup_threshold_critical",
    ])
      for (const line of samples(text, family))
        expect(line).toMatch(/^\w+\{key="[^"]+",mount="[^"]*"\} /);
    const mounts = (family: string) =>
      samples(text, family).map((line) => /mount="([^"]*)"/.exec(line)?.[1]);
    expect(mounts("cleanup_threshold_level").filter(Boolean)).toEqual([
      "/",
      "/",
      "/mnt/nfs",
      "/mnt/nfs",
    ]);
    expect(new Set(mounts("cleanup_disk_unknown"))).toEqual(
      new Set(mounts("cleanup_threshold_level").filter(Boolean)),
    );
  });

  it("a live run's undetailed processes get their own series (the spared counts leave them out)", () => {
    const report = liveReport();
    report.scan = { ...report.scan!, notDetailed: 290 };
    expect(samples(renderTextfile(report, NOW), "cleanup_processes_not_detailed")).toEqual([
      "cleanup_processes_not_detailed 290",
    ]);
    expect(samples(renderTextfile(liveReport(), NOW), "cleanup_processes_not_detailed")).toEqual(
      [],
    );
  });

  it("writes the run: duration, scan, scanned, outcome, delivery per sink", () => {
    const text = renderTextfile(liveReport(), NOW);
    expect(samples(text, "cleanup_run_duration_seconds")).toEqual([
      "cleanup_run_duration_seconds 0.412",
    ]);
    expect(samples(text, "cleanup_run_scan_seconds")).toEqual(["cleanup_run_scan_seconds 0.014"]);
    expect(samples(text, "cleanup_processes_scanned")).toEqual(["cleanup_processes_scanned 312"]);
    expect(samples(text, "cleanup_run_dry_run")).toEqual(["cleanup_run_dry_run 0"]);
    expect(samples(text, "cleanup_last_run_timestamp_seconds")).toEqual([
      `cleanup_last_run_timestamp_seconds ${NOW_S}`,
    ]);
    expect(samples(text, "cleanup_run_outcome")).toEqual([
      'cleanup_run_outcome{outcome="ok"} 0',
      'cleanup_run_outcome{outcome="attention"} 1',
      'cleanup_run_outcome{outcome="busy"} 0',
      'cleanup_run_outcome{outcome="deadline"} 0',
      'cleanup_run_outcome{outcome="error"} 0',
    ]);
    expect(samples(text, "cleanup_alerts_delivery_failed")).toEqual([
      'cleanup_alerts_delivery_failed{sink="hook"} 1',
      'cleanup_alerts_delivery_failed{sink="mail"} 0',
    ]);
    // attention, no earlier file: no last success is known.
    expect(text).not.toContain("cleanup_last_success_timestamp_seconds");
  });

  it("counts a dry run's targets as found, none killed", () => {
    const text = renderTextfile(dryReport(), NOW);
    expectValidTextfile(text);
    expect(samples(text, "cleanup_orphans_found")).toEqual([
      'cleanup_orphans_found{rule="orphaned-multiprocessing"} 1',
    ]);
    expect(samples(text, "cleanup_processes_killed")).toEqual([
      'cleanup_processes_killed{rule="orphaned-multiprocessing"} 0',
    ]);
    expect(samples(text, "cleanup_run_dry_run")).toEqual(["cleanup_run_dry_run 1"]);
    // A dry run delivers nothing: no per-sink series.
    expect(text).not.toContain("cleanup_alerts_delivery_failed");
    // A dry run acted on nothing: it is no "last success" (and there was none before).
    expect(text).not.toContain("cleanup_last_success_timestamp_seconds");
  });

  it("gives configured rules that matched nothing their series at 0", () => {
    const report = {
      ...dryReport(),
      rules: [
        { name: "orphaned-multiprocessing", action: "kill" as const },
        { name: "idle-kill", action: "kill" as const },
        { name: "watch", action: "alert" as const },
        { name: "listing", action: "report" as const },
      ],
    };
    const text = renderTextfile(report, NOW);
    expectValidTextfile(text);
    expect(samples(text, "cleanup_orphans_found")).toEqual([
      'cleanup_orphans_found{rule="idle-kill"} 0',
      'cleanup_orphans_found{rule="orphaned-multiprocessing"} 1',
    ]);
    expect(samples(text, "cleanup_alert_matches")).toEqual([
      'cleanup_alert_matches{rule="watch"} 0',
    ]);
    expect(samples(text, "cleanup_processes_spared")).toContain(
      'cleanup_processes_spared{rule="listing"} 0',
    );
  });

  it("writes each service's health, instances, PID files by kind and untracked instances", () => {
    const process = {
      pid: 42,
      startTicks: 1,
      ppid: 1,
      comm: "python3",
      argv: ["python3", "worker.py"],
      user: "app",
      state: "S",
      ageMs: 1000,
      rssBytes: 1,
    };
    const health = (status: "healthy" | "unhealthy" | "unreachable", failures: number) => ({
      url: "http://127.0.0.1:9091/health",
      status,
      httpStatus: status === "unreachable" ? null : 200,
      reason: "x",
      body: null,
      values: [],
      durationMs: 12.3456,
      failures,
    });
    const report: RunReport = {
      ...dryReport(),
      services: [
        {
          name: "worker",
          severity: "warning",
          instances: [process],
          pidFiles: [
            { service: "worker", path: "/run/a.pid", kind: "ok", pid: 42, detail: "" },
            { service: "worker", path: "/run/b.pid", kind: "stale", pid: 7, detail: "" },
            { service: "worker", path: "/run/c.pid", kind: "stale", pid: 8, detail: "" },
          ],
          untracked: [],
          health: health("unhealthy", 3),
        },
        {
          name: "api",
          severity: "critical",
          instances: [],
          pidFiles: [],
          untracked: [],
          health: health("unreachable", 1),
        },
        { name: "cron", severity: "warning", instances: [process], pidFiles: [], untracked: [] },
      ],
    };
    const text = renderTextfile(report, NOW);
    expectValidTextfile(text);
    expect(samples(text, "cleanup_service_healthy")).toEqual([
      'cleanup_service_healthy{service="api"} -1',
      'cleanup_service_healthy{service="worker"} 0',
    ]);
    expect(samples(text, "cleanup_service_health_failures")).toEqual([
      'cleanup_service_health_failures{service="api"} 1',
      'cleanup_service_health_failures{service="worker"} 3',
    ]);
    expect(samples(text, "cleanup_service_health_probe_seconds")).toContain(
      'cleanup_service_health_probe_seconds{service="worker"} 0.012',
    );
    expect(samples(text, "cleanup_service_instances")).toEqual([
      'cleanup_service_instances{service="api"} 0',
      'cleanup_service_instances{service="cron"} 1',
      'cleanup_service_instances{service="worker"} 1',
    ]);
    expect(samples(text, "cleanup_service_pid_files")).toEqual([
      'cleanup_service_pid_files{service="worker",kind="ok"} 1',
      'cleanup_service_pid_files{service="worker",kind="stale"} 2',
      'cleanup_service_pid_files{service="worker",kind="reused"} 0',
      'cleanup_service_pid_files{service="worker",kind="invalid"} 0',
      'cleanup_service_pid_files{service="worker",kind="unknown"} 0',
    ]);
    expect(samples(text, "cleanup_service_untracked")).toEqual([
      'cleanup_service_untracked{service="worker"} 0',
    ]);
  });

  it("escapes backslash, double quote and newline in label values", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const report = dryReport();
    const rule = 'we"ird\\rule\nname';
    report.plan!.entries = [killEntry(rule, 101)];
    report.plan!.spared = [];
    report.results = [result(rule, 101, "would-kill")];
    report.host!.disks = [{ mount: '/mnt/a "b"\\c', status: "unknown", error: "timeout" }];
    const text = renderTextfile(report, NOW);
    expectValidTextfile(text);
    expect(samples(text, "cleanup_orphans_found")).toEqual([
      'cleanup_orphans_found{rule="we\\"ird\\\\rule\\nname"} 1',
    ]);
    expect(samples(text, "cleanup_disk_unknown")).toEqual([
      'cleanup_disk_unknown{mount="/mnt/a \\"b\\"\\\\c"} 1',
    ]);
  });

  it("omits what could not be measured, and families without samples", () => {
    const report = dryReport();
    report.host = {
      ...report.host!,
      memory: null,
      swap: null,
      cpu: null,
      load: null,
      disks: [{ mount: "/", status: "unknown", error: "statfs did not answer within 2s" }],
      pressure: { cpu: null, memory: null, io: null },
    };
    const text = renderTextfile(report, NOW);
    expectValidTextfile(text);
    for (const name of [
      "cleanup_memory_used_ratio",
      "cleanup_swap_used_ratio",
      "cleanup_cpu_busy_ratio",
      "cleanup_load1_per_core",
      "cleanup_disk_used_ratio",
      "cleanup_disk_inodes_used_ratio",
      "cleanup_pressure_some_avg10",
    ]) {
      expect(text, name).not.toContain(name);
    }
    expect(samples(text, "cleanup_disk_unknown")).toEqual(['cleanup_disk_unknown{mount="/"} 1']);
  });

  it("leaves out the inode ratio of a filesystem without inodes (undefined)", () => {
    const report = dryReport();
    report.host!.disks = [{ mount: "/data", status: "ok", usedPercent: 50 }];
    const text = renderTextfile(report, NOW);
    expect(samples(text, "cleanup_disk_used_ratio")).toEqual([
      'cleanup_disk_used_ratio{mount="/data"} 0.5',
    ]);
    expect(text).not.toContain("cleanup_disk_inodes_used_ratio");
  });

  it("writes a run that found the lock held as the run metrics only, exactly", () => {
    const busy = busyReport();
    const previous = "cleanup_last_success_timestamp_seconds 1780300000.25\n";
    expect(renderTextfile(busy, NOW, previous)).toBe(
      [
        "# HELP cleanup_run_dry_run 1 if the run was a dry run (planned only, nothing signalled).",
        "# TYPE cleanup_run_dry_run gauge",
        "cleanup_run_dry_run 0",
        "# HELP cleanup_run_duration_seconds How long the run took.",
        "# TYPE cleanup_run_duration_seconds gauge",
        "cleanup_run_duration_seconds 0.002",
        "# HELP cleanup_last_run_timestamp_seconds When the last run ended (Unix time).",
        "# TYPE cleanup_last_run_timestamp_seconds gauge",
        `cleanup_last_run_timestamp_seconds ${NOW_S}`,
        "# HELP cleanup_last_success_timestamp_seconds When the last run with outcome ok ended (Unix time); kept across runs that did not succeed.",
        "# TYPE cleanup_last_success_timestamp_seconds gauge",
        "cleanup_last_success_timestamp_seconds 1780300000.25",
        "# HELP cleanup_run_outcome 1 for the last run's outcome: ok, attention (a kill failed, a budget was exceeded, an alert was not delivered), busy (the lock was held), deadline (the run passed settings.run_deadline and stopped there), error (the run failed).",
        "# TYPE cleanup_run_outcome gauge",
        'cleanup_run_outcome{outcome="ok"} 0',
        'cleanup_run_outcome{outcome="attention"} 0',
        'cleanup_run_outcome{outcome="busy"} 1',
        'cleanup_run_outcome{outcome="deadline"} 0',
        'cleanup_run_outcome{outcome="error"} 0',
        "",
      ].join("\n"),
    );
  });
});

/** A live run that succeeded. */
const okReport = () => ({ ...liveReport(), outcome: "ok" as const });

describe("last success across runs", () => {
  it("a dry run keeps the earlier last success, never sets its own", () => {
    const earlier = renderTextfile(okReport(), new Date("2026-05-01T00:00:00Z"));
    expect(
      samples(renderTextfile(dryReport(), NOW, earlier), "cleanup_last_success_timestamp_seconds"),
    ).toEqual(["cleanup_last_success_timestamp_seconds 1777593600"]);
  });

  it("is now after a run that succeeded, whatever the earlier file said", () => {
    const earlier = renderTextfile(okReport(), new Date("2026-05-01T00:00:00Z"));
    const text = renderTextfile(okReport(), NOW, earlier);
    expect(samples(text, "cleanup_last_success_timestamp_seconds")).toEqual([
      `cleanup_last_success_timestamp_seconds ${NOW_S}`,
    ]);
  });

  it("is carried over from the earlier file through runs that did not succeed", () => {
    const first = renderTextfile(okReport(), new Date("2026-05-01T00:00:00Z"));
    const second = renderTextfile(liveReport(), new Date("2026-05-01T01:00:00Z"), first);
    const third = renderErrorTextfile(new Date("2026-05-01T02:00:00Z"), second);
    for (const text of [second, third]) {
      expect(samples(text, "cleanup_last_success_timestamp_seconds")).toEqual([
        "cleanup_last_success_timestamp_seconds 1777593600",
      ]);
    }
    expect(samples(third, "cleanup_last_run_timestamp_seconds")).toEqual([
      "cleanup_last_run_timestamp_seconds 1777600800",
    ]);
  });

  it("is absent when nothing earlier is known or the earlier file has no usable value", () => {
    for (const previous of [
      undefined,
      "",
      "garbage\n",
      "cleanup_last_success_timestamp_seconds NaN\n",
      "cleanup_last_success_timestamp_seconds_other 12\n",
      "# cleanup_last_success_timestamp_seconds 12\n",
    ]) {
      expect(renderTextfile(liveReport(), NOW, previous)).not.toContain(
        "cleanup_last_success_timestamp_seconds",
      );
    }
  });

  it("writes an errored run as outcome error and the run time, nothing else", () => {
    const text = renderErrorTextfile(NOW);
    expectValidTextfile(text);
    expect(samples(text, "cleanup_run_outcome")).toContain(
      'cleanup_run_outcome{outcome="error"} 1',
    );
    expect(text).not.toContain("cleanup_orphans_found");
    expect(text).not.toContain("cleanup_last_success_timestamp_seconds");
  });
});

describe("leftover files in the textfile", () => {
  it("per file rule: taken by action, spared, removed, bytes freed, refused", () => {
    const report = liveReport();
    const file = (name: string, sizeBytes: number) => ({
      path: `/dev/shm/${name}`,
      dir: "/dev/shm",
      name,
      kind: "file" as const,
      dev: 26,
      ino: 7,
      uid: 1000,
      sizeBytes,
      mtimeMs: 0,
      ctimeMs: 0,
    });
    report.files = {
      plan: {
        entries: [
          {
            action: "remove",
            rule: "leaked",
            severity: "warning",
            file: file("psm_a", 4096),
            reasons: [],
          },
          {
            action: "remove",
            rule: "leaked",
            severity: "warning",
            file: file("psm_b", 100),
            reasons: [],
          },
        ],
        spared: [
          { rule: "leaked", file: file("psm_c", 1), code: "held", reasons: ["held by 7 (map)"] },
        ],
        refusals: [
          {
            rule: "tmp",
            scope: "rule",
            measure: "files",
            would: 9,
            budget: 1,
            severity: "critical",
            message: "over",
          },
        ],
        listings: [],
      },
      results: [
        {
          rule: "leaked",
          path: "/dev/shm/psm_a",
          dev: 26,
          ino: 7,
          uid: 1000,
          sizeBytes: 4096,
          outcome: "removed",
          bytesFreed: 4096,
        },
        {
          rule: "leaked",
          path: "/dev/shm/psm_b",
          dev: 26,
          ino: 8,
          uid: 1000,
          sizeBytes: 100,
          outcome: "held",
          bytesFreed: 0,
        },
      ],
      listed: 3,
      holders: { scanned: 10, ms: 1, unknown: [] },
    };
    const text = renderTextfile(report, NOW);
    expectValidTextfile(text);
    expect(samples(text, "cleanup_files_planned")).toEqual([
      'cleanup_files_planned{rule="leaked",action="remove"} 2',
    ]);
    expect(samples(text, "cleanup_files_spared")).toEqual([
      'cleanup_files_spared{rule="leaked"} 1',
      'cleanup_files_spared{rule="tmp"} 0',
    ]);
    expect(samples(text, "cleanup_files_removed")).toEqual([
      'cleanup_files_removed{rule="leaked"} 1',
      'cleanup_files_removed{rule="tmp"} 0',
    ]);
    expect(samples(text, "cleanup_files_freed_bytes")).toEqual([
      'cleanup_files_freed_bytes{rule="leaked"} 4096',
      'cleanup_files_freed_bytes{rule="tmp"} 0',
    ]);
    expect(samples(text, "cleanup_files_rule_refused")).toEqual([
      'cleanup_files_rule_refused{rule="leaked"} 0',
      'cleanup_files_rule_refused{rule="tmp"} 1',
    ]);
  });
});
