// Parses the command line by the command table, runs the command, and holds the one catch:
// an error becomes its message and its exit code (see exit-codes.ts). Only src/cli.ts ends the
// process, by the Exit returned here.
import { ConfigError, formatProblem } from "./config/errors.js";
import { parseCommandLine, runParsed } from "./commands/table.js";
import { exitCodeForError, exitCodeForNagios, isInternalError, type Exit } from "./exit-codes.js";
import { plainText } from "./shared/log-line.js";
import { loadMachinery } from "./commands/cached-script.js";

/** argv as process.argv: node, the script, then the arguments. */
export async function main(argv: string[]): Promise<Exit> {
  // stderr on first use: creating the stream (a pipe's is a socket) costs --version a module load.
  const io = {
    stdout: process.stdout,
    get stderr() {
      return process.stderr;
    },
    entry: argv[1]!,
  };
  // Read before parsing: a bad command line is reported in the format it asked for too.
  const format = optionValue(argv, "--format");
  const wantsJson = argv.includes("--json") || format === "json";
  const textfile = optionValue(argv, "--textfile");
  try {
    return await runParsed(parseCommandLine(argv.slice(2)), io);
  } catch (error) {
    // The renderers of an error are loaded only when there is one: they would otherwise be
    // compiled at every start (see commands/machinery.ts).
    if (textfile !== undefined) {
      const { writeErrorTextfile } = await loadMachinery();
      writeErrorTextfile(textfile);
    }
    if (format === "nagios") {
      const { nagiosErrorLine } = await loadMachinery();
      io.stdout.write(`${nagiosErrorLine(error, isInternalError(error))}\n`);
      return { code: exitCodeForNagios("UNKNOWN") };
    }
    const code = exitCodeForError(error);
    if (wantsJson) {
      const { renderErrorJson } = await loadMachinery();
      io.stdout.write(renderErrorJson(error, code));
    }
    // Under journald at priority err: `journalctl -p err` shows why a run did nothing.
    io.stderr.write(plainText(`${errorText(error)}\n`, "error", io.stderr));
    return { code };
  }
}

/** "--name value" or "--name=value" anywhere in argv (for error handling before parsing). */
function optionValue(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  if (at >= 0) return argv[at + 1];
  return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

function errorText(error: unknown): string {
  if (error instanceof ConfigError) {
    return `cleanup: config invalid, nothing was done:\n${error.problems.map(formatProblem).join("\n")}`;
  }
  if (error instanceof Error && !isInternalError(error)) return `cleanup: ${error.message}`;
  return `cleanup: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}
