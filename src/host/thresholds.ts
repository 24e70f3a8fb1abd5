// Host metrics against the configured thresholds. Pure: metrics and thresholds in, one result
// per measured thing out, each with the value and the levels it was judged by.
import type { Levels, Resource, ThresholdLevel, Thresholds } from "../config/types.js";
import type { HostMetrics } from "./types.js";

export type Level = "ok" | "warn" | "critical" | "unknown";

export interface ThresholdResult {
  /** Stable: "memory", "cpu", "disk:/var", "disk-inodes:/var" … */
  key: string;
  resource: Resource;
  level: Level;
  /** null when it could not be measured. */
  value: number | null;
  unit: "%" | "per core";
  warn: number;
  critical: number;
  message: string;
}

const RANK: Record<Level, number> = { unknown: -1, ok: 0, warn: 1, critical: 2 };

/** What a threshold's key measures, as its messages name it: "memory in use", "disk /var space used". */
export function thresholdWhat(key: string): string {
  if (key.startsWith("disk-inodes:")) return `disk ${key.slice("disk-inodes:".length)} inodes used`;
  if (key.startsWith("disk:")) return `disk ${key.slice("disk:".length)} space used`;
  return WHAT[key] ?? key;
}

const WHAT: Record<string, string> = {
  memory: "memory in use",
  swap: "swap in use",
  cpu: "CPU busy",
  load: "load (1 min)",
};

/** A measured value in its unit, as every text output prints it: "87.2%", "1.25 per core". */
export function shownValue(value: number, unit: ThresholdResult["unit"]): string {
  return unit === "%" ? `${value.toFixed(1)}%` : `${value.toFixed(2)} per core`;
}

/**
 * The limits in the unit they were configured in, each limit with its unit ("warn 75%,
 * critical 85%", "warn 1.5 per core, critical 3 per core"): a bare "warn 1, critical 50" leaves
 * the reader to guess what was compared.
 */
export function limitsText(t: Pick<ThresholdResult, "unit" | "warn" | "critical">): string {
  const unit = t.unit === "%" ? "%" : " per core";
  return `warn ${t.warn}${unit}, critical ${t.critical}${unit}`;
}

/** At or above `critical` is critical, at or above `warn` is warn. */
export function levelOf(value: number | null, levels: Levels): Level {
  if (value === null || !Number.isFinite(value)) return "unknown";
  if (value >= levels.critical) return "critical";
  if (value >= levels.warn) return "warn";
  return "ok";
}

export function evaluateThresholds(
  metrics: HostMetrics,
  thresholds: Thresholds,
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  const add = (
    key: string,
    resource: Resource,
    value: number | null,
    levels: Levels,
    unit: ThresholdResult["unit"],
    why?: string,
  ): void => {
    const level = levelOf(value, levels);
    const shown = value === null ? "unknown" : shownValue(value, unit);
    const limits = limitsText({ unit, warn: levels.warn, critical: levels.critical });
    const message = `${thresholdWhat(key)} ${shown}${why ? ` (${why})` : ""}: ${level} (${limits})`;
    results.push({
      key,
      resource,
      level,
      value,
      unit,
      warn: levels.warn,
      critical: levels.critical,
      message,
    });
  };
  if (thresholds.memory)
    add("memory", "memory", metrics.memory?.usedPercent ?? null, thresholds.memory, "%");
  if (thresholds.swap) add("swap", "swap", metrics.swap?.usedPercent ?? null, thresholds.swap, "%");
  if (thresholds.cpu) {
    const cpu = metrics.cpu;
    const why = cpu
      ? `iowait ${cpu.iowaitPercent.toFixed(1)}%, steal ${cpu.stealPercent.toFixed(1)}%, ${cpu.source === "sample" ? `${cpu.intervalMs} ms sample` : "since the previous run"}`
      : undefined;
    add("cpu", "cpu", cpu?.busyPercent ?? null, thresholds.cpu, "%", why);
  }
  if (thresholds.load)
    add("load", "load", metrics.load?.perCore1 ?? null, thresholds.load, "per core");
  if (thresholds.disk) {
    for (const mount of thresholds.disk.mounts) {
      const disk = metrics.disks.find((d) => d.mount === mount);
      const why = disk?.status === "unknown" ? disk.error : undefined;
      add(`disk:${mount}`, "disk", disk?.usedPercent ?? null, thresholds.disk, "%", why);
      add(
        `disk-inodes:${mount}`,
        "disk",
        disk?.inodesUsedPercent ?? null,
        thresholds.disk,
        "%",
        why,
      );
    }
  }
  return results;
}

/** The worst level per resource: what a rule's `when` is judged by. */
export function resourceLevels(
  results: readonly ThresholdResult[],
): Partial<Record<Resource, Level>> {
  const levels: Partial<Record<Resource, Level>> = {};
  for (const r of results) {
    const current = levels[r.resource];
    if (current === undefined || RANK[r.level] > RANK[current]) levels[r.resource] = r.level;
  }
  return levels;
}

/** Whether every resource named in `when` is at the given level or worse. */
export function whenHolds(
  when: Partial<Record<Resource, ThresholdLevel>>,
  levels: Partial<Record<Resource, Level>>,
): { holds: boolean; reason: string } {
  const unmet: string[] = [];
  for (const [resource, wanted] of Object.entries(when) as [Resource, ThresholdLevel][]) {
    const actual = levels[resource] ?? "unknown";
    if (RANK[actual] < RANK[wanted]) unmet.push(`${resource} is ${actual}, rule needs ${wanted}`);
  }
  return unmet.length === 0
    ? {
        holds: true,
        reason: Object.entries(when)
          .map(([r, l]) => `${r} at ${l} or worse`)
          .join(", "),
      }
    : { holds: false, reason: unmet.join("; ") };
}
