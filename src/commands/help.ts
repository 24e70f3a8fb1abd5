// `cleanup --help`, built from the command table: the synopsis of each command, what each does,
// the default command's options, and the exit status table.
import { exitTableText } from "../exit-codes.js";
import type { CommandSpec, OptionSpec } from "./spec.js";

/** What the program is, for the paragraph under the synopsis. */
export interface ProgramSpec {
  readonly name: string;
  readonly description: string;
}

const WIDTH = 80;
/** Where descriptions start in the Commands and Options lists. */
const COLUMN = 24;

export function renderHelp(program: ProgramSpec, commands: readonly CommandSpec[]): string {
  const root = commands.find((c) => c.words.length === 0);
  const actions = root?.options.filter((o) => o.type === "boolean" && o.action) ?? [];
  const synopses = [
    ...commands.flatMap((c) => synopsis(program.name, c)),
    ...(actions.length > 0
      ? [`${program.name} ${actions.map((o) => `--${o.name}`).join(" | ")}`]
      : []),
  ];
  return [
    synopses.map((line, i) => `${i === 0 ? "Usage: " : "       "}${line}`).join("\n"),
    "",
    wrap(program.description, 0, WIDTH).join("\n"),
    "",
    "Commands:",
    ...commands.flatMap((c) => entry(c.title, c.description)),
    "",
    "Options:",
    ...(root?.options ?? []).flatMap((o) => entry(optionHead(o), o.help)),
    "",
    "Exit status:",
    exitTableText(),
    "",
  ].join("\n");
}

/** `cleanup port PORT [--free …]`, its later lines under the first option. */
function synopsis(program: string, command: CommandSpec): string[] {
  const head = [program, ...command.words, ...(command.positionals ?? []).map((p) => p.name)].join(
    " ",
  );
  return command.synopsis.map((line, i) =>
    i === 0 ? `${head} ${line}` : `${" ".repeat(head.length + 1)}${line}`,
  );
}

/** `-c, --config FILE`, `    --json`. */
function optionHead(option: OptionSpec): string {
  const value = option.type === "boolean" ? "" : ` ${option.value}`;
  return `${option.short ? `-${option.short}, ` : "    "}--${option.name}${value}`;
}

/** A name and its wrapped description; a name too long for the column gets a line of its own. */
function entry(name: string, description: string): string[] {
  const head = `  ${name}`;
  const lines = wrap(description, COLUMN, WIDTH);
  if (head.length > COLUMN - 2) return [head, ...lines];
  return [head.padEnd(COLUMN) + lines[0]!.slice(COLUMN), ...lines.slice(1)];
}

/** Greedy wrap to width, each line indented; no-break spaces hold words together, then print as spaces. */
function wrap(text: string, indent: number, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines.map((l) => " ".repeat(indent) + l.replaceAll("\u00a0", " "));
}
