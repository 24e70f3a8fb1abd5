// Alerts about leftover files (rules.yaml `files:`): one per remove rule that removed something
// ("removed 14 shared-memory files, 3.1 GiB freed"), one per remove rule whose removals failed,
// one per alert rule while its files are there, one per refused budget or unlisted directory.
import type { FileRemovalResult } from "../act/file-removals.js";
import { formatSize } from "../config/units.js";
import type { FileEntry, FilePlan } from "../rules/file-plan-types.js";
import { printable } from "../shared/printable.js";
import type { AlertEvent } from "./types.js";

const MAX_DETAILS = 20;

export function fileEvents(plan: FilePlan, results: readonly FileRemovalResult[]): AlertEvent[] {
  const events: AlertEvent[] = [];
  for (const [rule, done] of byRule(results.filter((r) => r.outcome === "removed"))) {
    const freed = done.reduce((sum, r) => sum + r.bytesFreed, 0);
    events.push({
      key: `removed:${rule}`,
      kind: "occurrence",
      severity: "info",
      summary: `${rule}: removed ${done.length} leftover file${done.length === 1 ? "" : "s"}, ${formatSize(freed)} freed`,
      details: details(done.map((r) => `${printable(r.path)} (${formatSize(r.bytesFreed)})`)),
      labels: { alertname: "CleanupFilesRemoved", rule },
    });
  }
  const failed = results.filter((r) => r.outcome === "failed" || r.outcome === "partial");
  for (const [rule, bad] of byRule(failed))
    events.push({
      key: `remove-failed:${rule}`,
      kind: "condition",
      severity: "critical",
      summary: `${rule}: ${bad.length} leftover file${bad.length === 1 ? "" : "s"} could not be removed`,
      details: details(
        bad.map(
          (r) => `${printable(r.path)}: ${r.outcome}${r.detail ? ` (${printable(r.detail)})` : ""}`,
        ),
      ),
      labels: { alertname: "CleanupFilesRemoveFailed", rule },
    });
  for (const [rule, entries] of byRule(plan.entries.filter((e) => e.action === "alert"))) {
    const bytes = entries.reduce((sum, e) => sum + e.file.sizeBytes, 0);
    events.push({
      key: `files:${rule}`,
      kind: "condition",
      severity: entries[0]!.severity,
      summary: `${rule}: ${entries.length} leftover file${entries.length === 1 ? "" : "s"}, ${formatSize(bytes)} (${entries[0]!.reasons.join("; ")})`,
      details: details(entries.map(entryLine)),
      labels: { alertname: "CleanupFiles", rule },
    });
  }
  for (const r of plan.refusals)
    events.push({
      key: `file-budget:${r.rule}`,
      kind: "condition",
      severity: r.severity,
      summary: r.message,
      details: [],
      labels: { alertname: "CleanupFileBudget", rule: r.rule },
    });
  return events;
}

function entryLine(e: FileEntry): string {
  return `${printable(e.file.path)} (${formatSize(e.file.sizeBytes)}, ${e.file.user ?? e.file.uid})`;
}

function details(lines: string[]): string[] {
  return lines.length > MAX_DETAILS
    ? [...lines.slice(0, MAX_DETAILS), `… and ${lines.length - MAX_DETAILS} more`]
    : lines;
}

function byRule<T extends { rule: string }>(items: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const list = map.get(item.rule);
    if (list) list.push(item);
    else map.set(item.rule, [item]);
  }
  return map;
}
