// What `cleanup [--dry-run]` does (see run.ts for its command line): apart from the command
// table, so that --version, --help and check do not load a run's machinery.
import { exitCodeForNagios, exitCodeForRun, type Exit } from "../exit-codes.js";
import { renderJsonChunks } from "../report/json.js";
import { runLogEntries } from "../report/log-lines.js";
import { renderNagios } from "../report/nagios.js";
import { renderText } from "../report/text.js";
import { runOnce } from "../run/run-once.js";
import { logRenderFor } from "../shared/log-line.js";
import { resolveConfigPath } from "./config-path.js";
import { writeAll } from "./output.js";
import type { RunCommand } from "./run.js";
import type { CommandIo } from "./spec.js";
import { writeRunTextfile } from "./textfile.js";

export async function runRunCommand(command: RunCommand, io: CommandIo): Promise<Exit> {
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
}
