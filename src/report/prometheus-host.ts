// The textfile's host series (memory, swap, CPU, load, disks, pressure) and threshold series
// (level and limits per key). A value that could not be measured is left out (no series), never
// written as 0. Pure: no I/O.
import type { Level, ThresholdResult } from "../host/thresholds.js";
import type { HostMetrics } from "../host/types.js";
import { compare, ratio, round, type Textfile } from "./prometheus-format.js";

const LEVEL_VALUE: Record<Level, number> = { unknown: -1, ok: 0, warn: 1, critical: 2 };

export function hostSeries(out: Textfile, host: HostMetrics): void {
  const single = (name: string, help: string, value: number | null | undefined): void => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    out.gauge(name, help).add({}, value);
  };
  single(
    "cleanup_memory_used_ratio",
    "Memory in use, (MemTotal - MemAvailable) / MemTotal, 0-1.",
    ratio(host.memory?.usedPercent),
  );
  single(
    "cleanup_swap_used_ratio",
    "Swap in use, 0-1 (0 without swap).",
    ratio(host.swap?.usedPercent),
  );
  single(
    "cleanup_cpu_busy_ratio",
    "CPU busy (not idle, not iowait), 0-1, since the previous run or over an in-run sample.",
    ratio(host.cpu?.busyPercent),
  );
  single(
    "cleanup_load1_per_core",
    "1-minute load average divided by the number of cores.",
    host.load ? round(host.load.perCore1, 4) : null,
  );
  const used = out.gauge(
    "cleanup_disk_used_ratio",
    "Disk space used as df counts it, used / (used + available to users), 0-1.",
  );
  const inodes = out.gauge("cleanup_disk_inodes_used_ratio", "Inodes used, 0-1.");
  const unknown = out.gauge(
    "cleanup_disk_unknown",
    "1 if the mount did not answer statfs (within settings.statfs_timeout) or failed.",
  );
  for (const disk of [...host.disks].sort((a, b) => compare(a.mount, b.mount))) {
    const labels = { mount: disk.mount };
    unknown.add(labels, disk.status === "unknown" ? 1 : 0);
    if (disk.status === "unknown") continue;
    const u = ratio(disk.usedPercent);
    if (u !== null) used.add(labels, u);
    const i = ratio(disk.inodesUsedPercent);
    if (i !== null) inodes.add(labels, i);
  }
  const pressure = out.gauge(
    "cleanup_pressure_some_avg10",
    "Share of the last 10 s some task was stalled on the resource (PSI 'some' avg10 / 100), 0-1.",
  );
  for (const resource of ["cpu", "io", "memory"] as const) {
    const p = host.pressure[resource];
    if (p) pressure.add({ resource }, round(p.some.avg10 / 100, 6));
  }
}

export function thresholdSeries(out: Textfile, thresholds: readonly ThresholdResult[]): void {
  const level = out.gauge(
    "cleanup_threshold_level",
    "Threshold level: 0 ok, 1 warn, 2 critical, -1 unknown (could not be measured).",
  );
  const warn = out.gauge(
    "cleanup_threshold_warn",
    "The warn limit, in the value's unit (a ratio 0-1 for percentages, per core for load).",
  );
  const critical = out.gauge(
    "cleanup_threshold_critical",
    "The critical limit, in the value's unit (a ratio 0-1 for percentages, per core for load).",
  );
  for (const t of thresholds) {
    const labels = thresholdLabels(t.key);
    level.add(labels, LEVEL_VALUE[t.level]);
    warn.add(labels, t.unit === "%" ? round(t.warn / 100, 6) : t.warn);
    critical.add(labels, t.unit === "%" ? round(t.critical / 100, 6) : t.critical);
  }
}

/**
 * A threshold's labels: `key` names the threshold (memory, cpu, disk, disk-inodes …) and a disk's
 * mount is `mount`, as in cleanup_disk_used_ratio, so one label name means one thing across the
 * file and a join on `mount` works (before: `key="disk:/var"`). Every series of the family
 * carries both (mount="" for the host-wide ones: Prometheus drops an empty label), as
 * node_exporter would fill them in anyway: a family's series share their label names.
 */
export function thresholdLabels(key: string): Record<string, string> {
  const colon = key.indexOf(":");
  return colon < 0 ? { key, mount: "" } : { key: key.slice(0, colon), mount: key.slice(colon + 1) };
}
