// The leftover files in a run's text report: what was (or would be) removed, alerted on and
// reported, with the facts that decided; what was spared and why; refused budgets and listings
// that could not be read; and one line for the summary.
import { formatSize } from "../config/units.js";
import { printable } from "../shared/printable.js";
import type { FilesReport } from "./run-report.js";

const MAX_SPARED = 50;

export function fileLines(files: FilesReport, dryRun: boolean): string[] {
  const { plan, results } = files;
  const lines: string[] = [];
  const byPath = new Map(results.map((r) => [`${r.rule}\u0000${r.path}`, r]));
  const removes = plan.entries.filter((e) => e.action === "remove");
  if (removes.length > 0) {
    lines.push("", `${dryRun ? "WOULD REMOVE" : "REMOVE"} (${removes.length} leftover files)`);
    for (const e of removes) {
      const r = byPath.get(`${e.rule}\u0000${e.file.path}`);
      const outcome = !r
        ? "not attempted"
        : r.outcome === "removed"
          ? `removed, ${formatSize(r.bytesFreed)} freed`
          : r.outcome === "would-remove"
            ? "would remove"
            : `NOT removed: ${r.outcome}${r.detail ? ` (${printable(r.detail)})` : ""}`;
      lines.push(
        `  ${printable(e.file.path)}  ${formatSize(e.file.sizeBytes)}  [${e.rule}]`,
        `        ${e.reasons.join("; ")} → ${outcome}`,
      );
    }
  }
  for (const action of ["alert", "report"] as const) {
    const entries = plan.entries.filter((e) => e.action === action);
    if (entries.length === 0) continue;
    lines.push("", `FILES ${action.toUpperCase()} (${entries.length})`);
    for (const e of entries)
      lines.push(
        `  ${printable(e.file.path)}  ${formatSize(e.file.sizeBytes)}  [${e.rule}${action === "alert" ? `, ${e.severity}` : ""}]: ${e.reasons.join("; ")}`,
      );
  }
  for (const r of plan.refusals) lines.push("", `ALERT (${r.severity}) ${r.message}`);
  for (const l of plan.listings)
    lines.push(
      "",
      `FILES: ${printable(l.dir)} (rules ${l.rules.join(", ")}) ${l.problem ? `not listed: ${printable(l.problem)}` : "listing cut short: its rules remove nothing"}`,
    );
  if (plan.spared.length > 0) {
    lines.push("", `FILES SPARED (${plan.spared.length}): matched a rule's paths, not acted on`);
    for (const s of plan.spared.slice(0, MAX_SPARED))
      lines.push(`  ${printable(s.file.path)}  [${s.rule}] ${s.code}: ${s.reasons.join("; ")}`);
    if (plan.spared.length > MAX_SPARED)
      lines.push(`  … ${plan.spared.length - MAX_SPARED} more: --json lists all`);
  }
  return lines;
}

/** "files: would remove 2 (3.0MiB)" / "files: removed 2 of 3, 3.0MiB freed"; null without file rules. */
export function fileSummary(files: FilesReport, dryRun: boolean): string {
  const removes = files.plan.entries.filter((e) => e.action === "remove");
  if (dryRun)
    return `files: would remove ${removes.length} (${formatSize(removes.reduce((s, e) => s + e.file.sizeBytes, 0))})`;
  const removed = files.results.filter((r) => r.outcome === "removed");
  return `files: removed ${removed.length} of ${removes.length}, ${formatSize(removed.reduce((s, r) => s + r.bytesFreed, 0))} freed`;
}
