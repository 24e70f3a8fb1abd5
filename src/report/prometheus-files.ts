// The textfile's series about leftover files (rules.yaml `files:`), per file rule: what the plan
// took (by action) and spared this run, what was removed and the bytes freed, and whether the
// rule was refused (over a budget, or a listing cut short). Pure.
import type { FilesReport } from "./run-report.js";
import { compare, type Textfile } from "./prometheus-format.js";

export function fileSeries(out: Textfile, files: FilesReport): void {
  const rules = new Set<string>();
  for (const e of files.plan.entries) rules.add(e.rule);
  for (const s of files.plan.spared) rules.add(s.rule);
  for (const r of files.plan.refusals) rules.add(r.rule);
  const sorted = [...rules].sort(compare);
  const count = <T extends { rule: string }>(items: readonly T[], rule: string) =>
    items.filter((i) => i.rule === rule).length;

  const planned = out.gauge(
    "cleanup_files_planned",
    "Leftover files a file rule took this run, by its action (report, alert, remove).",
  );
  for (const rule of sorted) {
    const entries = files.plan.entries.filter((e) => e.rule === rule);
    const action = entries[0]?.action;
    if (action) planned.add({ rule, action }, entries.length);
  }
  const spared = out.gauge(
    "cleanup_files_spared",
    "Files a file rule's paths matched but it spared.",
  );
  for (const rule of sorted) spared.add({ rule }, count(files.plan.spared, rule));
  const removed = out.gauge("cleanup_files_removed", "Files removed this run (live runs).");
  const freed = out.gauge("cleanup_files_freed_bytes", "Bytes freed by this run's removals.");
  const refused = out.gauge(
    "cleanup_files_rule_refused",
    "1 if the file rule removed nothing because of a budget or a cut listing.",
  );
  for (const rule of sorted) {
    const done = files.results.filter((r) => r.rule === rule && r.outcome === "removed");
    removed.add({ rule }, done.length);
    freed.add(
      { rule },
      done.reduce((sum, r) => sum + r.bytesFreed, 0),
    );
    refused.add({ rule }, files.plan.refusals.some((r) => r.rule === rule) ? 1 : 0);
  }
}
