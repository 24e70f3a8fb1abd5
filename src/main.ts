// Parses the command line, runs, prints, and returns the exit code (see exit-codes.ts);
// only src/cli.ts sets it. Nothing here calls process.exit.
import { once } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SYSTEM_CONFIG, helpText, parseCommandLine, type Command } from "./command-line.js";
import { sendTestAlerts } from "./alerts/test-alert.js";
import { ConfigError, formatProblem } from "./config/errors.js";
import { runDaemon } from "./daemon/daemon.js";
import { EXIT, exitCodeForDaemonStop, exitCodeForError, exitCodeForOutcome } from "./exit-codes.js";
import { renderJsonChunks } from "./report/json.js";
import { renderStatus } from "./report/status.js";
import { renderText } from "./report/text.js";
import { checkConfig, packageVersion, runOnce } from "./run.js";
import { UsageError } from "./usage-error.js";

export const BUNDLED_CONFIG = fileURLToPath(new URL("../rules.yaml", import.meta.url));

/** --config, else $CLEANUP_CONFIG, else /etc/cleanup/rules.yaml if present, else the bundled rules.yaml. */
export function resolveConfigPath(flag: string | undefined): string {
  if (flag) return flag;
  if (process.env.CLEANUP_CONFIG) return process.env.CLEANUP_CONFIG;
  return existsSync(SYSTEM_CONFIG) ? SYSTEM_CONFIG : BUNDLED_CONFIG;
}

let exitNow = false;
/** Whether the process must end at once (see cli.ts). */
export function mustExitNow(): boolean {
  return exitNow;
}

/** argv as process.argv: node, the script, then the arguments. */
export async function main(argv: string[]): Promise<number> {
  const wantsJson = argv.includes("--json");
  try {
    return await execute(parseCommandLine(argv.slice(2)));
  } catch (error) {
    const code = exitCodeForError(error);
    if (wantsJson) {
      process.stdout.write(`${JSON.stringify({ error: describeError(error), exitCode: code })}\n`);
    }
    process.stderr.write(`${errorText(error)}\n`);
    return code;
  }
}

async function execute(command: Command): Promise<number> {
  switch (command.name) {
    case "help":
      process.stdout.write(helpText());
      return EXIT.OK;
    case "version":
      process.stdout.write(`${packageVersion()}\n`);
      return EXIT.OK;
    case "check": {
      const config = checkConfig(resolveConfigPath(command.config));
      const kills = config.rules.filter((r) => r.action === "kill").length;
      process.stdout.write(
        `${config.file}: OK (${config.rules.length} rules, ${kills} kill, ${config.protect.length} protect entries)\n`,
      );
      return EXIT.OK;
    }
    case "status": {
      const report = await runOnce({
        configPath: resolveConfigPath(command.config),
        mode: "status",
        ...(command.stateDir && { stateDir: command.stateDir }),
      });
      const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
      await writeAll(
        process.stdout,
        command.json ? renderJsonChunks(report, EXIT.OK) : [renderStatus(report, color)],
      );
      return EXIT.OK;
    }
    case "daemon": {
      const stop = await runDaemon({
        schedule: command.schedule,
        configPath: resolveConfigPath(command.config),
        stopTimeoutMs: command.stopTimeoutMs,
        ...(command.stateDir && { stateDir: command.stateDir }),
        ...(command.healthPort !== undefined && { healthPort: command.healthPort }),
        ...(command.healthHost && { healthHost: command.healthHost }),
        log: (event) =>
          process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`),
      });
      exitNow = stop === "gave-up";
      return exitCodeForDaemonStop(stop);
    }
    case "alert-test":
      return alertTest(resolveConfigPath(command.config), command.sink);
    case "run": {
      const report = await runOnce({
        configPath: resolveConfigPath(command.config),
        mode: command.dryRun ? "dry-run" : "run",
        ...(command.stateDir && { stateDir: command.stateDir }),
        logStream: command.json ? process.stderr : process.stdout,
      });
      const code = exitCodeForOutcome(report.outcome);
      await writeAll(
        process.stdout,
        command.json ? renderJsonChunks(report, code) : [renderText(report)],
      );
      return code;
    }
  }
}

/** `cleanup alert test`: one test message through each sink, each result reported. */
async function alertTest(configPath: string, only: string | undefined): Promise<number> {
  const config = checkConfig(configPath);
  const sinks = config.alerts.sinks.filter((s) => only === undefined || s.name === only);
  if (sinks.length === 0) {
    throw new UsageError(
      `no sink named ${JSON.stringify(only)} in ${config.file}; it has ${config.alerts.sinks.map((s) => s.name).join(", ")}`,
    );
  }
  let failed = 0;
  for (const result of await sendTestAlerts(sinks, config.file)) {
    process.stdout.write(
      `${result.sink} (${result.type}): ${result.error ? `FAILED: ${result.error}` : "ok"}\n`,
    );
    if (result.error) failed += 1;
  }
  return failed > 0 ? EXIT.ATTENTION : EXIT.OK;
}

/**
 * Writes with backpressure. A pipe to a slower reader makes write() queue in memory: at 10,000
 * targets the whole 5.4 MB report was queued at once (91 MiB peak instead of 77).
 */
async function writeAll(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await once(stream, "drain");
  }
}

function errorText(error: unknown): string {
  if (error instanceof ConfigError) {
    return `cleanup: config invalid, nothing was done:\n${error.problems.map(formatProblem).join("\n")}`;
  }
  if (error instanceof Error && exitCodeForError(error) !== EXIT.INTERNAL) {
    return `cleanup: ${error.message}`;
  }
  return `cleanup: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof ConfigError)
    return { kind: "config", file: error.file, problems: error.problems };
  if (error instanceof Error) return { kind: error.name, message: error.message };
  return { kind: "unknown", message: String(error) };
}
