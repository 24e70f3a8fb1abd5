// `cleanup daemon --schedule CRON`: runs on a schedule, for hosts without systemd or cron.
import { exitForDaemonStop } from "../exit-codes.js";
import type { RunReport } from "../report/run-report.js";
import { openLog } from "../shared/log-line.js";
import { resolveConfigPath } from "./config-path.js";
import { CONFIG, HELP, STATE_DIR, TEXTFILE, stateDirChoice } from "./options.js";
import { defineCommand } from "./spec.js";
import { loadMachinery } from "./cached-script.js";

export interface DaemonCommand {
  name: "daemon";
  schedule: string;
  config?: string;
  stateDir?: string;
  healthPort?: number;
  healthHost?: string;
  stopTimeoutMs: number;
  textfile?: string;
}

export const daemonCommand = defineCommand({
  name: "daemon",
  words: ["daemon"],
  title: "daemon",
  synopsis: [
    "--schedule CRON [--health-port N] [--health-host H]",
    "[--stop-timeout 30s] [--textfile DIR] [--config FILE] [--state-dir DIR]",
  ],
  description:
    'run on a cron schedule (node-cron), for hosts without systemd or cron: --schedule "*/30 * * * *" (a sixth field in front counts seconds); never two runs at once; SIGTERM/SIGINT stop it after the run in progress (--stop-timeout, 30s); --health-port N serves /health and /metrics on 127.0.0.1 (--health-host to change)',
  options: [
    {
      name: "schedule",
      type: "string",
      value: "CRON",
      required: true,
      example: '"*/30 * * * *"',
      help: "when to run: a cron expression (a sixth field in front counts seconds)",
    },
    // No --allow-untrusted-config: a daemon reads its rules file at every run, unattended.
    CONFIG,
    STATE_DIR,
    {
      name: "health-port",
      type: "port",
      value: "N",
      help: "serve /health and /metrics on this port (0: any free one; the log says which)",
    },
    {
      name: "health-host",
      type: "string",
      value: "H",
      help: "the address --health-port listens on, instead of 127.0.0.1",
    },
    {
      name: "stop-timeout",
      type: "duration",
      value: "DURATION",
      default: "30s",
      help: "how long SIGTERM/SIGINT wait for the run in progress before the daemon gives up on it and exits 1",
    },
    TEXTFILE,
    HELP,
  ],
  parse: (values): DaemonCommand => ({
    name: "daemon",
    schedule: values.schedule,
    stopTimeoutMs: values["stop-timeout"],
    ...(values.config !== undefined && { config: values.config }),
    ...stateDirChoice(values),
    ...(values["health-port"] !== undefined && { healthPort: values["health-port"] }),
    ...(values["health-host"] !== undefined && { healthHost: values["health-host"] }),
    ...(values.textfile !== undefined && { textfile: values.textfile }),
  }),
  async run(command, io) {
    // Loaded when the command runs, not with the command table: see machinery.ts.
    const {
      checkTrustedDir,
      runDaemon,
      daemonLogEntry,
      renderTextfile,
      runLogEntries,
      checkConfig,
      writeRunTextfile,
    } = await loadMachinery();
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
  },
});
