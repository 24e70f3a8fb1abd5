// `--json`: the plan and results as they are, for scripts and for the benchmark.
import type { RunReport } from "../run.js";

export function renderJson(report: RunReport, exitCode: number): string {
  return `${JSON.stringify({ ...report, durationMs: Math.round(report.durationMs), exitCode })}\n`;
}
