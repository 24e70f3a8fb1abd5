// `cleanup completion bash|zsh|fish`: a completion script for the shell, generated from the
// command table (completion-model.ts, completion-scripts.ts), so it completes what parses.
import { EXIT } from "../exit-codes.js";
import { UsageError } from "../shared/usage-error.js";
import { completionModel } from "./completion-model.js";
import { SHELLS, completionScript, type Shell } from "./completion-scripts.js";
import { HELP } from "./options.js";
import { defineCommand, type CommandSpec } from "./spec.js";
// A cycle (the table lists this command), harmless: COMMANDS is read only when the command runs.
// Static, not `await import()`: a dynamic import would be an entry point of the split bundle of
// its own and cut the command table into another file for every start (scripts/build.mjs).
import { COMMANDS, PROGRAM } from "./table.js";

export interface CompletionCommand {
  name: "completion";
  shell: Shell;
}

export const completionCommand = defineCommand({
  name: "completion",
  words: ["completion"],
  title: "completion SHELL",
  positionals: [{ name: "SHELL", help: "the shell the script is for", choices: SHELLS }],
  synopsis: ["(bash, zsh or fish)"],
  description:
    "print a completion script for the shell: source <(cleanup completion bash) in ~/.bashrc, cleanup completion zsh > ~/.zfunc/_cleanup (a directory in $fpath), cleanup completion fish > ~/.config/fish/completions/cleanup.fish; it completes the commands, their options, the choices of an option and file or directory values",
  options: [HELP],
  parse(_values, positionals): CompletionCommand {
    const [shell, ...rest] = positionals;
    if (!SHELLS.includes(shell as Shell) || rest.length > 0) {
      throw new UsageError(
        `cleanup completion needs one shell: ${SHELLS.join(", ")}${shell === undefined ? "" : `, got ${positionals.join(" ")}`}, e.g. cleanup completion bash\nSee 'cleanup --help'.`,
      );
    }
    return { name: "completion", shell: shell as Shell };
  },
  async run(command, io) {
    const model = completionModel(COMMANDS as readonly CommandSpec[]);
    io.stdout.write(completionScript(command.shell, PROGRAM.name, model));
    return { code: EXIT.OK };
  },
});
