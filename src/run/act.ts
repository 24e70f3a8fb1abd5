// The act stage: the session sends the decided kills (a dry session only says what it would),
// then removes the stale PID files of services that ask for it, then the file plan's leftovers.
import type { Config } from "../config/types.js";
import type { PidFileEntry, ServiceReport } from "../services/assess.js";
import type { PidFileRead } from "../scan/pid-files.js";
import { checkpoint } from "./stop.js";
import type { Acted, Decided, Measured, Run } from "./types.js";

export async function act(run: Run, measured: Measured, decided: Decided): Promise<Acted> {
  checkpoint(run.ctx, "signals");
  const results = await run.session.execute(decided.kills);
  // Past the deadline the executor left targets alive ("deadline"); from here on the run does
  // only what cannot wait: queue this run's notifications (delivered next run) and save state.
  const notDone = results
    .filter((r) => r.outcome === "deadline")
    .map((r) =>
      r.signals.length === 0
        ? `pid ${r.pid} (rule ${r.rule}) not signalled`
        : `no SIGKILL to pid ${r.pid} (rule ${r.rule}): ${r.signals.join(", ")} sent, its grace outlasted the run`,
    );
  const stoppedAt = notDone.length > 0 ? "signals" : null;
  if (run.ctx.deadline.passed()) notDone.push("stale PID file removal");
  else removeStalePidFiles(decided.services.reports, run.config, measured.pidFiles, run.session);
  // After the kills: a segment whose last holder was just killed can go in this run.
  let fileResults: Acted["fileResults"] = [];
  if (decided.files) {
    if (run.ctx.deadline.passed()) notDone.push("leftover file removal");
    else fileResults = run.session.removeFiles(decided.files.plan.entries);
  }
  return { results, fileResults, notDone, stoppedAt };
}

/** Stale PID files of services with remove_stale_pid_files: the session removes them (or, dry, would). */
function removeStalePidFiles(
  reports: ServiceReport[],
  config: Config,
  pidFiles: ReadonlyMap<string, readonly PidFileRead[]>,
  session: { removePidFile(read: PidFileRead, service: string): PidFileEntry["removal"] },
): void {
  for (const report of reports) {
    const service = config.services.find((s) => s.name === report.name);
    if (!service?.removeStalePidFiles) continue;
    for (const finding of report.pidFiles) {
      if (finding.kind !== "stale") continue;
      const read = pidFiles.get(report.name)?.find((r) => r.path === finding.path);
      if (read) finding.removal = session.removePidFile(read, report.name);
    }
  }
}
