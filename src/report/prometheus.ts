// One run's report as a node_exporter textfile-collector file (Prometheus text format 0.0.4):
// what each rule found and did, the host metrics and thresholds, the services, and how the run
// went. Pure: the previous run's file comes in as text, and src/state/textfile.ts reads and
// writes it. The series are rendered by prometheus-rules/-host/-services/-run.ts, in this
// order (the file's order), into the text format of prometheus-format.ts.
import type { RunReport } from "./run-report.js";
import { Textfile } from "./prometheus-format.js";
import { hostSeries, thresholdSeries } from "./prometheus-host.js";
import { ruleSeries, type RuleSummary } from "./prometheus-rules.js";
import { outcomeSeries, runSeries } from "./prometheus-run.js";
import { serviceSeries } from "./prometheus-services.js";
import { fileSeries } from "./prometheus-files.js";

export { escapeHelp, escapeLabelValue, formatValue } from "./prometheus-format.js";
export type { RuleSummary } from "./prometheus-rules.js";
export { TEXTFILE_OUTCOMES, lastSuccessIn } from "./prometheus-run.js";

/**
 * The report, optionally with the config's (enabled) rules. Without `rules` the rules are known
 * only from what the plan names, and a rule that matched nothing this run has no series.
 */
export type TextfileReport = RunReport & { rules?: readonly RuleSummary[] };

/** `previous`: the textfile an earlier run wrote, for the carry-over of the last success. */
export function renderTextfile(report: TextfileReport, now: Date, previous?: string): string {
  const out = new Textfile();
  ruleSeries(out, report, report.rules);
  if (report.host) hostSeries(out, report.host);
  if (report.thresholds) thresholdSeries(out, report.thresholds);
  if (report.services && report.services.length > 0) serviceSeries(out, report.services);
  if (report.files) fileSeries(out, report.files);
  runSeries(out, report);
  // A dry run acted on nothing: it must not hide "no successful live run for 2 h".
  outcomeSeries(out, report.outcome, now, previous, report.dryRun);
  return out.text();
}

/**
 * For a run that threw (config, scan, state directory, internal error): the run metrics only,
 * outcome "error", the last success carried over. Stale per-rule and host series are dropped
 * rather than kept: an absent series says "not known now", an old one would lie.
 */
export function renderErrorTextfile(now: Date, previous?: string): string {
  const out = new Textfile();
  outcomeSeries(out, "error", now, previous);
  return out.text();
}
