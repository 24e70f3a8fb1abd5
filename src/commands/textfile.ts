// --textfile for runs and the daemon: each run's metrics for node_exporter, and a run that failed
// still says so.
import { checkDirTrust } from "../state/trusted-dir.js";
import { renderErrorTextfile, renderTextfile } from "../report/prometheus.js";
import type { RunReport } from "../report/run-report.js";
import { plainText } from "../shared/log-line.js";
import { readPreviousTextfile, writeTextfile } from "../state/textfile.js";

/** The run's metrics for node_exporter; false (and a message) if the file could not be written. */
export function writeRunTextfile(
  dir: string,
  report: RunReport,
  stderr: NodeJS.WritableStream,
): boolean {
  try {
    writeTextfile(dir, renderTextfile(report, new Date(), readPreviousTextfile(dir)));
    return true;
  } catch (error) {
    stderr.write(plainText(`cleanup: ${(error as Error).message}\n`, "warn", stderr));
    return false;
  }
}

/** A run that failed still says so to Prometheus (outcome "error"), keeping the last success. */
export function writeErrorTextfile(dir: string): void {
  try {
    // The config (and its trust_paths) may be what failed: a directory another user controls
    // gets nothing written into it.
    if (checkDirTrust(dir, { euid: process.geteuid?.() ?? 0, trusted: [] }).refusal) return;
    writeTextfile(dir, renderErrorTextfile(new Date(), readPreviousTextfile(dir)));
  } catch {
    // The error itself is what the operator needs to see; main prints it.
  }
}
