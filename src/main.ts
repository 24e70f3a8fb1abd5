// Parses the command line, runs, prints, and returns the exit code (see exit-codes.ts);
// only src/cli.ts sets it. Commands never call process.exit.
import { once } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { ConfigError, formatProblem } from "./config/errors.js";
import { EXIT, exitCodeForError, exitCodeForOutcome, exitTableText } from "./exit-codes.js";
import { renderJsonChunks } from "./report/json.js";
import { renderText } from "./report/text.js";
import { checkConfig, packageVersion, runOnce } from "./run.js";

export const SYSTEM_CONFIG = "/etc/cleanup/rules.yaml";
export const BUNDLED_CONFIG = fileURLToPath(new URL("../rules.yaml", import.meta.url));

/** --config, else $CLEANUP_CONFIG, else /etc/cleanup/rules.yaml if present, else the bundled rules.yaml. */
export function resolveConfigPath(flag: string | undefined): string {
  if (flag) return flag;
  if (process.env.CLEANUP_CONFIG) return process.env.CLEANUP_CONFIG;
  return existsSync(SYSTEM_CONFIG) ? SYSTEM_CONFIG : BUNDLED_CONFIG;
}

interface RunFlags {
  dryRun?: boolean;
  json?: boolean;
  config?: string;
  stateDir?: string;
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name("cleanup")
    .description(
      "Find orphaned worker processes and remove them safely: one run scans /proc, plans by the rules\n" +
        "in rules.yaml, and (unless --dry-run) signals what the plan names: SIGTERM, a grace, then SIGKILL.",
    )
    .version(packageVersion(), "-V, --version")
    .option(
      "-n, --dry-run",
      "plan only: print what would be done; send no signal, take no lock, write nothing",
    )
    .option("--json", "print the plan and results as JSON")
    .option(
      "-c, --config <file>",
      `rules file (default: $CLEANUP_CONFIG, else ${SYSTEM_CONFIG} if present, else the bundled rules.yaml)`,
    )
    .option(
      "--state-dir <dir>",
      "lock and audit log (default: settings.state_dir, else /var/lib/cleanup as root, $XDG_STATE_HOME/cleanup otherwise)",
    )
    .addHelpText("after", `\nExit status:\n${exitTableText()}\n`)
    // Without this, the root's --config would swallow `cleanup check --config FILE`.
    .enablePositionalOptions()
    .exitOverride()
    .action(async (flags: RunFlags) => {
      const report = await runOnce({
        configPath: resolveConfigPath(flags.config),
        dryRun: flags.dryRun === true,
        ...(flags.stateDir && { stateDir: flags.stateDir }),
      });
      const code = exitCodeForOutcome(report.outcome);
      if (flags.json) await writeAll(process.stdout, renderJsonChunks(report, code));
      else await writeAll(process.stdout, [renderText(report)]);
      setExit(code);
    });

  program
    .command("check")
    .description("validate the rules file and exit: nothing is scanned, killed or written")
    .option("-c, --config <file>", "rules file (default as for a run)")
    .exitOverride()
    .action((flags: { config?: string }) => {
      const rootFlags = program.opts<RunFlags>();
      const config = checkConfig(resolveConfigPath(flags.config ?? rootFlags.config));
      const kills = config.rules.filter((r) => r.action === "kill").length;
      process.stdout.write(
        `${config.file}: OK (${config.rules.length} rules, ${kills} kill, ${config.protect.length} protect entries)\n`,
      );
      setExit(EXIT.OK);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram((c) => (code = c));
  const wantsJson = argv.includes("--json");
  try {
    await program.parseAsync(argv);
  } catch (error) {
    code = exitCodeForError(error);
    if (error instanceof CommanderError) return code; // commander printed its message or the help
    if (wantsJson)
      process.stdout.write(`${JSON.stringify({ error: describeError(error), exitCode: code })}\n`);
    process.stderr.write(`${errorText(error)}\n`);
  }
  return code;
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
  if (
    error instanceof Error &&
    error.name !== "Error" &&
    exitCodeForError(error) !== EXIT.INTERNAL
  ) {
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
