// The commands of `cleanup`, in the order --help shows them. The parser and --help are built
// from this table (see spec.ts for what an entry declares); so can man pages and completion be.
import { packageVersion } from "../run/version.js";
import { EXIT, type Exit } from "../exit-codes.js";
import { alertTestCommand } from "./alert-test.js";
import { checkCommand } from "./check.js";
import { daemonCommand } from "./daemon.js";
import { explainCommand } from "./explain.js";
import { renderHelp, type ProgramSpec } from "./help.js";
import { installCommand } from "./install.js";
import { parseWith, type ActionCommand } from "./parse.js";
import { portCommand } from "./port.js";
import { runCommand } from "./run.js";
import type { CommandIo, CommandSpec } from "./spec.js";
import { statusCommand } from "./status.js";

export const PROGRAM: ProgramSpec = {
  name: "cleanup",
  description:
    "Find orphaned worker processes and remove them safely. One run reads the rules, scans /proc, plans, and (unless --dry-run) signals what the plan names: SIGTERM, a grace, then SIGKILL. Every target and every spared match comes with the facts that decided it.",
};

export const COMMANDS = [
  runCommand,
  statusCommand,
  portCommand,
  explainCommand,
  daemonCommand,
  installCommand,
  alertTestCommand,
  checkCommand,
] as const;

/** A parsed command line: what an entry's parse gives, or --help / --version. */
export type Command = ReturnType<(typeof COMMANDS)[number]["parse"]> | ActionCommand;

/** args: process.argv.slice(2). Throws UsageError. */
export function parseCommandLine(args: readonly string[]): Command {
  // parseWith gives what the chosen entry's parse returned: one of Command.
  return parseWith(COMMANDS, args) as Command;
}

export function helpText(): string {
  return renderHelp(PROGRAM, COMMANDS);
}

/** Runs a parsed command: its entry in the table, or --help / --version. */
export async function runParsed(command: Command, io: CommandIo): Promise<Exit> {
  switch (command.name) {
    case "help":
      io.stdout.write(helpText());
      return { code: EXIT.OK };
    case "version":
      io.stdout.write(`${packageVersion()}\n`);
      return { code: EXIT.OK };
    default: {
      // The entry that parsed it: its run takes what its parse gave.
      const spec: CommandSpec | undefined = COMMANDS.find((c) => c.name === command.name);
      if (!spec) throw new Error(`no command ${command.name} in the table`);
      return spec.run(command, io);
    }
  }
}
