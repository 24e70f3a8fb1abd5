// What `cleanup daemon` does (see daemon.ts for its command line): apart from the command
// table, so that --version, --help and check do not load the daemon's machinery.
import { checkTrustedDir } from "../act/session.js";
import { runDaemon } from "../daemon/daemon.js";
import { daemonLogEntry } from "../daemon/log-events.js";
import { exitForDaemonStop, type Exit } from "../exit-codes.js";
import { renderTextfile } from "../report/prometheus.js";
import { runLogEntries } from "../report/log-lines.js";
import type { RunReport } from "../report/run-report.js";
import { checkConfig } from "../run/open.js";
import { openLog } from "../shared/log-line.js";
import { resolveConfigPath } from "./config-path.js";
import type { DaemonCommand } from "./daemon.js";
import type { CommandIo } from "./spec.js";
import { writeRunTextfile } from "./textfile.js";

export async function runDaemonCommand(command: DaemonCommand, io: CommandIo): Promise<Exit> {
  // Every line on stderr, in the one log shape: its runs' log sink lines (the run children
  // inherit stderr) and the daemon's own events.
  const log = await openLog(io.stderr);
  const textfile = command.textfile;
  if (textfile !== undefined) {
    // Checked once, before the first run: each run then writes it (never through a link).
    const { trustPaths } = checkConfig(resolveConfigPath(command.config)).settings;
    for (const w of checkTrustedDir(textfile, "textfile", { trustPaths }))
      log({ level: "warn", summary: w, fields: { event: "textfile-dir" } });
  }
  const stop = await runDaemon({
    schedule: command.schedule,
    configPath: resolveConfigPath(command.config, io.stderr),
    stopTimeoutMs: command.stopTimeoutMs,
    runEntry: io.entry,
    ...(command.stateDir && { stateDir: command.stateDir }),
    ...(command.healthPort !== undefined && { healthPort: command.healthPort }),
    ...(command.healthHost && { healthHost: command.healthHost }),
    metrics: (report, now) => renderTextfile(report, now),
    afterRun: (report: RunReport) => {
      for (const entry of runLogEntries(report)) log(entry);
      if (textfile !== undefined) writeRunTextfile(textfile, report, io.stderr);
    },
    log: (event) => log(daemonLogEntry(event)),
  });
  return exitForDaemonStop(stop);
}
