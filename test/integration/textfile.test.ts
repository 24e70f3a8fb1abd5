// The Prometheus textfile through Debian's real node_exporter: a dry run (runOnce, as the CLI
// will call it) over a scene with one orphan, rendered and written atomically, then scraped.
// Needs /usr/bin/prometheus-node-exporter (.ci/run installs it); fails without it. Nothing is
// signalled: the run is a dry run, and the scene ends only its own processes.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderTextfile } from "../../src/report/prometheus.js";
import type { RunReport } from "../../src/report/run-report.js";
import { runOnce } from "../../src/run/run-once.js";
import { readPreviousTextfile, writeTextfile } from "../../src/state/textfile.js";
import { NodeExporter } from "../helpers/node-exporter.js";
import { killEntry, liveReport, result } from "../helpers/run-report.js";
import { Scene } from "../helpers/scene.js";

let scene: Scene;
let dir: string;
let exporter: NodeExporter;
let orphan: number;

beforeAll(async () => {
  scene = new Scene();
  // node_exporter may run as another user (see the helper): the directory must be searchable.
  dir = mkdtempSync(join(tmpdir(), "cleanup-textfile-it-"));
  chmodSync(dir, 0o755);
  exporter = new NodeExporter(dir);
  await exporter.start();
  orphan = (await scene.orphan("textfile")).pid;
});

afterAll(async () => {
  await exporter?.stop();
  scene?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("textfile through node_exporter", () => {
  it("exports a dry run's counts, host metrics and thresholds as the report has them", async () => {
    const report: RunReport = await runOnce({
      configPath: scene.killRules(),
      mode: "dry-run",
      stateDir: scene.stateDir,
      logStream: new PassThrough(),
    });
    expect(report.outcome).toBe("ok");
    expect(report.plan!.entries.map((e) => e.process.pid)).toEqual([orphan]);

    const now = new Date();
    writeTextfile(dir, renderTextfile(report, now, readPreviousTextfile(dir)));
    expect(readdirSync(dir)).toEqual(["cleanup.prom"]);
    expect(statSync(join(dir, "cleanup.prom")).mode & 0o777).toBe(0o644);

    const { text, series } = await exporter.scrape();
    expect(series.get("node_textfile_scrape_error"), exporter.log).toBe(0);
    expect(series.has(`node_textfile_mtime_seconds{file="${join(dir, "cleanup.prom")}"}`)).toBe(
      true,
    );
    // Our HELP, not the collector's "Metric read from …" stand-in.
    expect(text).toContain("# HELP cleanup_orphans_found Processes a kill rule targeted");
    expect(text).toContain("# TYPE cleanup_orphans_found gauge");

    expect(series.get('cleanup_orphans_found{rule="scene-orphans"}')).toBe(1);
    expect(series.get('cleanup_processes_killed{rule="scene-orphans"}')).toBe(0);
    expect(series.get('cleanup_kills_failed{rule="scene-orphans"}')).toBe(0);
    expect(series.get('cleanup_rule_budget_refused{rule="scene-orphans"}')).toBe(0);
    expect(series.get("cleanup_run_dry_run")).toBe(1);
    expect(series.get('cleanup_run_outcome{outcome="ok"}')).toBe(1);
    expect(series.get('cleanup_run_outcome{outcome="attention"}')).toBe(0);
    expect(series.get("cleanup_processes_scanned")).toBe(report.scan!.processes);
    expect(series.get("cleanup_last_run_timestamp_seconds")).toBeCloseTo(now.getTime() / 1000, 2);
    // A dry run is no success of a live run.
    expect(series.has("cleanup_last_success_timestamp_seconds")).toBe(false);
    expect(series.get("cleanup_run_duration_seconds")).toBeCloseTo(report.durationMs / 1000, 2);

    const memory = series.get("cleanup_memory_used_ratio")!;
    expect(memory).toBeGreaterThan(0);
    expect(memory).toBeLessThan(1);
    expect(memory).toBeCloseTo(report.host!.memory!.usedPercent / 100, 5);
    const cpu = series.get("cleanup_cpu_busy_ratio")!;
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(1);
    expect(series.get('cleanup_disk_unknown{mount="/"}')).toBe(0);
    expect(series.get('cleanup_disk_used_ratio{mount="/"}')).toBeCloseTo(
      report.host!.disks.find((d) => d.mount === "/")!.usedPercent! / 100,
      5,
    );

    // One series per threshold, with the report's level and limits (defaults: memory 75/85 %).
    for (const t of report.thresholds!) {
      const level = { unknown: -1, ok: 0, warn: 1, critical: 2 }[t.level];
      // A disk's mount is its own label, as in cleanup_disk_used_ratio: key="disk",mount="/".
      const [key, mount] = t.key.split(/:(.*)/s);
      expect(
        series.get(`cleanup_threshold_level{key="${key}",mount="${mount ?? ""}"}`),
        t.key,
      ).toBe(level);
    }
    expect(series.get('cleanup_threshold_warn{key="memory",mount=""}')).toBe(0.75);
    expect(series.get('cleanup_threshold_critical{key="memory",mount=""}')).toBe(0.85);
  });

  it("parses every family of a report that needs attention, escaping intact, last success kept", async () => {
    // A live run that succeeded an hour ago left its file.
    writeTextfile(
      dir,
      renderTextfile({ ...liveReport(), outcome: "ok" }, new Date(Date.now() - 3_600_000)),
    );
    const earlier = readPreviousTextfile(dir)!;
    const lastSuccess = /^cleanup_last_success_timestamp_seconds (\S+)$/m.exec(earlier)![1]!;
    const hand = liveReport();
    const rule = 'we"ird\\rule\nname';
    hand.plan!.entries.push(killEntry(rule, 901));
    hand.results.push(result(rule, 901, "stuck"));
    hand.host!.disks.push({ mount: "/mnt/a b", status: "unknown", error: "timeout" });

    writeTextfile(dir, renderTextfile(hand, new Date(), readPreviousTextfile(dir)));
    const { series } = await exporter.scrape();
    expect(series.get("node_textfile_scrape_error"), exporter.log).toBe(0);
    // node_exporter writes label values with the same escapes as the file.
    expect(series.get('cleanup_kills_failed{rule="we\\"ird\\\\rule\\nname"}')).toBe(1);
    expect(series.get('cleanup_disk_unknown{mount="/mnt/a b"}')).toBe(1);
    expect(series.has('cleanup_disk_used_ratio{mount="/mnt/nfs"}')).toBe(false);
    expect(series.get('cleanup_rule_budget_refused{rule="big-sweep"}')).toBe(1);
    expect(series.get('cleanup_alerts_delivery_failed{sink="hook"}')).toBe(1);
    expect(series.get('cleanup_run_outcome{outcome="attention"}')).toBe(1);
    expect(series.get("cleanup_last_success_timestamp_seconds")).toBe(Number(lastSuccess));
    // The old metrics are gone with the old file: the scene's rule is not in this report.
    expect(series.has('cleanup_orphans_found{rule="scene-orphans"}')).toBe(false);
  });
});
