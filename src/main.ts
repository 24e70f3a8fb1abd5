// Parses the command line, runs, prints, and returns the exit code (see exit-codes.ts);
// only src/cli.ts sets it. Nothing here calls process.exit.
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SYSTEM_CONFIG, helpText, parseCommandLine, type Command } from "./command-line.js";
import { checkTrustedDir } from "./act/session.js";
import { sendTestAlerts } from "./alerts/test-alert.js";
import { readPreviousTextfile, writeTextfile } from "./state/textfile.js";
import { checkDirTrust } from "./state/trusted-dir.js";
import { ConfigError, formatProblem } from "./config/errors.js";
import { runDaemon } from "./daemon/daemon.js";
import { applyInstall } from "./install/apply.js";
import { installCommand } from "./install/bin-path.js";
import { describeInstall } from "./install/describe.js";
import { planInstall } from "./install/install.js";
import {
  EXIT,
  exitCodeForDaemonStop,
  exitCodeForError,
  exitCodeForInstall,
  exitCodeForNagios,
  exitCodeForOutcome,
  exitCodeForPort,
} from "./exit-codes.js";
import { portCommand } from "./port/port-command.js";
import { renderPort } from "./report/port.js";
import { renderJsonChunks } from "./report/json.js";
import { nagiosErrorLine, renderNagios } from "./report/nagios.js";
import { renderErrorTextfile, renderTextfile } from "./report/prometheus.js";
import { renderStatus } from "./report/status.js";
import { renderText } from "./report/text.js";
import { checkConfig, packageVersion, runOnce, type RunReport } from "./run.js";
import { UsageError } from "./shared/usage-error.js";

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
  const format = optionValue(argv, "--format");
  const wantsJson = argv.includes("--json") || format === "json";
  const textfile = optionValue(argv, "--textfile");
  try {
    return await execute(parseCommandLine(argv.slice(2)));
  } catch (error) {
    if (textfile !== undefined) writeErrorTextfile(textfile);
    if (format === "nagios") {
      process.stdout.write(`${nagiosErrorLine(error)}\n`);
      return exitCodeForNagios("UNKNOWN");
    }
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
      const config = checkConfig(
        resolveConfigPath(command.config),
        command.allowUntrustedConfig === true,
      );
      const kills = config.rules.filter((r) => r.action === "kill").length;
      process.stdout.write(
        `${config.file}: OK (${config.rules.length} rules, ${kills} kill, ${config.protect.length} protect entries, ${config.services.length} services)\n`,
      );
      return EXIT.OK;
    }
    case "status": {
      const report = await runOnce({
        configPath: resolveConfigPath(command.config),
        allowUntrustedConfig: command.allowUntrustedConfig === true,
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
      if (command.textfile !== undefined) {
        // Checked once, before the first run: each run then writes it (never through a link).
        const { trustPaths } = checkConfig(resolveConfigPath(command.config)).settings;
        for (const w of checkTrustedDir(command.textfile, "textfile", { trustPaths }))
          process.stderr.write(`cleanup: warning: ${w}\n`);
      }
      const stop = await runDaemon({
        schedule: command.schedule,
        configPath: resolveConfigPath(command.config),
        stopTimeoutMs: command.stopTimeoutMs,
        runEntry: process.argv[1]!,
        ...(command.stateDir && { stateDir: command.stateDir }),
        ...(command.healthPort !== undefined && { healthPort: command.healthPort }),
        ...(command.healthHost && { healthHost: command.healthHost }),
        metrics: (report, now) => renderTextfile(report, now),
        ...(command.textfile !== undefined && {
          afterRun: (report: RunReport) => void writeRunTextfile(command.textfile!, report),
        }),
        log: (event) =>
          process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`),
      });
      exitNow = stop === "gave-up";
      return exitCodeForDaemonStop(stop);
    }
    case "install": {
      const root = resolve(command.root ?? "/");
      const results = applyInstall(
        planInstall({
          scheduler: command.scheduler,
          root,
          ...installCommand(command.bin ?? process.argv[1]!, process.execPath),
          packageDir: dirname(BUNDLED_CONFIG),
          existing: existsSync,
          read: (path) => readFileSync(path, "utf8"),
        }),
        { dryRun: command.dryRun },
      );
      process.stdout.write(
        describeInstall(results, { scheduler: command.scheduler, root, dryRun: command.dryRun }),
      );
      return exitCodeForInstall(results.some((r) => r.status === "failed"));
    }
    case "port": {
      const report = await portCommand({
        configPath: resolveConfigPath(command.config),
        allowUntrustedConfig: command.allowUntrustedConfig === true,
        port: command.port,
        protos: command.protos,
        free: command.free,
        dryRun: command.dryRun,
        ...(command.stateDir && { stateDir: command.stateDir }),
      });
      const code = exitCodeForPort(report.outcome);
      process.stdout.write(
        command.json
          ? `${JSON.stringify({ ...report, exitCode: code }, null, 2)}\n`
          : renderPort(report),
      );
      return code;
    }
    case "alert-test":
      return alertTest(
        resolveConfigPath(command.config),
        command.sink,
        command.allowUntrustedConfig === true,
      );
    case "run": {
      const report = await runOnce({
        configPath: resolveConfigPath(command.config),
        allowUntrustedConfig: command.allowUntrustedConfig === true,
        mode: command.dryRun ? "dry-run" : "run",
        ...(command.stateDir && { stateDir: command.stateDir }),
        ...(command.textfile !== undefined && { textfileDir: command.textfile }),
        // stdout belongs to the JSON document or the Nagios line: the log sink goes to stderr.
        logStream: command.format === "text" ? process.stdout : process.stderr,
      });
      let code = exitCodeForOutcome(report.outcome);
      if (command.textfile !== undefined && !writeRunTextfile(command.textfile, report)) {
        code = Math.max(code, EXIT.ATTENTION);
      }
      if (command.format === "nagios") {
        const { line, state } = renderNagios(report);
        process.stdout.write(`${line}\n`);
        return exitCodeForNagios(state);
      }
      await writeAll(
        process.stdout,
        command.format === "json" ? renderJsonChunks(report, code) : [renderText(report)],
      );
      return code;
    }
  }
}

/** `cleanup alert test`: one test message through each sink, each result reported. */
async function alertTest(
  configPath: string,
  only: string | undefined,
  allowUntrusted: boolean,
): Promise<number> {
  const config = checkConfig(configPath, allowUntrusted);
  const sinks = config.alerts.sinks.filter((s) => only === undefined || s.name === only);
  if (sinks.length === 0) {
    throw new UsageError(
      `no sink named ${JSON.stringify(only)} in ${config.file}; it has ${config.alerts.sinks.map((s) => s.name).join(", ")}`,
    );
  }
  let failed = 0;
  for (const result of await sendTestAlerts(sinks, config.file, config.settings.trustPaths)) {
    process.stdout.write(
      `${result.sink} (${result.type}): ${result.error ? `FAILED: ${result.error}` : "ok"}\n`,
    );
    if (result.error) failed += 1;
  }
  return failed > 0 ? EXIT.ATTENTION : EXIT.OK;
}

/** The run's metrics for node_exporter; false (and a message) if the file could not be written. */
function writeRunTextfile(dir: string, report: RunReport): boolean {
  try {
    writeTextfile(dir, renderTextfile(report, new Date(), readPreviousTextfile(dir)));
    return true;
  } catch (error) {
    process.stderr.write(`cleanup: ${(error as Error).message}\n`);
    return false;
  }
}

/** A run that failed still says so to Prometheus (outcome "error"), keeping the last success. */
function writeErrorTextfile(dir: string): void {
  try {
    // The config (and its trust_paths) may be what failed: a directory another user controls
    // gets nothing written into it.
    if (checkDirTrust(dir, { euid: process.geteuid?.() ?? 0, trusted: [] }).refusal) return;
    writeTextfile(dir, renderErrorTextfile(new Date(), readPreviousTextfile(dir)));
  } catch {
    // The error itself is what the operator needs to see; it is printed below.
  }
}

/** "--name value" or "--name=value" anywhere in argv (for error handling before parsing). */
function optionValue(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  if (at >= 0) return argv[at + 1];
  return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
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
