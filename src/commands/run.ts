// `cleanup [--dry-run]`: one run, the default command.
import { exitCodeForNagios, exitCodeForRun } from "../exit-codes.js";
import { logRenderFor } from "../shared/log-line.js";
import { UsageError } from "../shared/usage-error.js";
import { resolveConfigPath } from "./config-path.js";
import {
  ALLOW_UNTRUSTED_CONFIG,
  CONFIG,
  HELP,
  STATE_DIR,
  TEXTFILE,
  VERSION,
  configChoice,
  stateDirChoice,
} from "./options.js";
import { defineCommand } from "./spec.js";
import { loadMachinery } from "./cached-script.js";

export type OutputFormat = "text" | "json" | "nagios";

export interface RunCommand {
  name: "run";
  dryRun: boolean;
  format: OutputFormat;
  config?: string;
  allowUntrustedConfig?: true;
  stateDir?: string;
  textfile?: string;
  verbose?: true;
}

export const runCommand = defineCommand({
  name: "run",
  words: [],
  title: "(none)",
  synopsis: [
    "[--dry-run] [--verbose] [--json | --format nagios] [--textfile DIR] [--config FILE] [--state-dir DIR]",
  ],
  description: "one run",
  options: [
    {
      name: "dry-run",
      short: "n",
      type: "boolean",
      help: "plan only: print what would be done; send no signal, take no lock, write nothing",
    },
    {
      name: "json",
      type: "boolean",
      help: "print the plan and results as JSON (stdout is one JSON document; log lines are on stderr)",
    },
    {
      name: "format",
      type: "choice",
      value: "F",
      choices: ["text", "json", "nagios"],
      help: "text (default), json (= --json), or nagios: one status line with perfdata and the plugin exit codes 0\u00a0OK, 1\u00a0WARNING, 2\u00a0CRITICAL, 3\u00a0UNKNOWN instead of the table below (for a check that never acts: --dry-run too)",
    },
    {
      name: "verbose",
      short: "v",
      type: "boolean",
      help: "also list the rules whose `when` does not hold now, and why (cleanup status and --json always do)",
    },
    TEXTFILE,
    CONFIG,
    ALLOW_UNTRUSTED_CONFIG,
    STATE_DIR,
    HELP,
    VERSION,
  ],
  parse(values): RunCommand {
    // No default in the table: text, unless --json said json.
    const format = values.format ?? (values.json ? "json" : "text");
    if (values.json && format !== "json")
      throw new UsageError(
        `--json and --format ${format} contradict each other\nSee 'cleanup --help'.`,
      );
    return {
      name: "run",
      dryRun: values["dry-run"],
      format,
      ...(values.verbose && { verbose: true as const }),
      ...configChoice(values),
      ...stateDirChoice(values),
      ...(values.textfile !== undefined && { textfile: values.textfile }),
    };
  },
  async run(command, io) {
    // Loaded when the command runs, not with the command table: see machinery.ts.
    const {
      runOnce,
      runLogEntries,
      writeAll,
      writeRunTextfile,
      renderNagios,
      renderJsonChunks,
      renderText,
    } = await loadMachinery();
    const report = await runOnce({
      configPath: resolveConfigPath(command.config, io.stderr),
      allowUntrustedConfig: command.allowUntrustedConfig === true,
      mode: command.dryRun ? "dry-run" : "run",
      ...(command.stateDir && { stateDir: command.stateDir }),
      ...(command.textfile !== undefined && { textfileDir: command.textfile }),
      // stdout carries the report only (the table, the JSON document or the Nagios line): log
      // lines go to stderr, so cron, journald and a pipe keep the two apart.
      logStream: io.stderr,
    });
    // Before the report: a reader of the combined output (cron mail) sees them first.
    const warnings = runLogEntries(report);
    if (warnings.length > 0) await writeAll(io.stderr, [(await logRenderFor(io.stderr))(warnings)]);
    const written =
      command.textfile === undefined || writeRunTextfile(command.textfile, report, io.stderr);
    const code = exitCodeForRun(report.outcome, written);
    if (command.format === "nagios") {
      const { line, state } = renderNagios(report);
      io.stdout.write(`${line}\n`);
      return { code: exitCodeForNagios(state) };
    }
    await writeAll(
      io.stdout,
      command.format === "json"
        ? renderJsonChunks(report, code)
        : [renderText(report, { verbose: command.verbose === true })],
    );
    return { code };
  },
});
