// What shell completion needs to know of the command table, once, for the three shells'
// generators (completion-scripts.ts): each command's words, its options and what their values
// are (a file, a directory, one of some words, or free text), and its positionals' choices.
import type { CommandSpec, OptionSpec } from "./spec.js";

/** How a value is completed: a path, a directory, one of `choices`, or not at all. */
export type ValueKind = "file" | "dir" | "choice" | "text";

export interface CompletedOption {
  /** `--config`. */
  readonly long: string;
  /** `-c`, if it has one. */
  readonly short?: string;
  /** Absent for a flag. */
  readonly value?: ValueKind;
  readonly choices: readonly string[];
  /** A short description: the help up to its first clause, for zsh and fish. */
  readonly summary: string;
}

export interface CompletedCommand {
  /** [] for the default command. */
  readonly words: readonly string[];
  readonly summary: string;
  readonly options: readonly CompletedOption[];
  /** The words the first positional may be; [] when it is free (PORT). */
  readonly positionalChoices: readonly string[];
}

/** Value names (spec.ts `value`) that name a path or a directory. */
const FILE_VALUES = new Set(["FILE", "PATH"]);
const DIR_VALUES = new Set(["DIR"]);

export function completionModel(commands: readonly CommandSpec[]): CompletedCommand[] {
  return commands.map((command) => ({
    words: command.words,
    summary: summary(command.description),
    options: command.options.map(completedOption),
    positionalChoices: command.positionals?.[0]?.choices ?? [],
  }));
}

function completedOption(option: OptionSpec): CompletedOption {
  const base = {
    long: `--${option.name}`,
    ...(option.short && { short: `-${option.short}` }),
    summary: summary(option.help),
  };
  if (option.type === "boolean") return { ...base, choices: [] };
  const value: ValueKind = option.choices
    ? "choice"
    : FILE_VALUES.has(option.value)
      ? "file"
      : DIR_VALUES.has(option.value)
        ? "dir"
        : "text";
  return { ...base, value, choices: option.choices ?? [] };
}

/**
 * The help's first clause, at most 60 characters: what a completion menu has room for. It ends
 * before a "; ", ": " or " (" outside parentheses, but not within the first few characters:
 * "text (default), json …" says more than "text".
 */
function summary(help: string): string {
  const text = help.replaceAll("\u00a0", " ");
  let depth = 0;
  let end = text.length;
  for (let i = 0; i < text.length; i += 1) {
    const two = text.slice(i, i + 2);
    if (depth === 0 && i >= 8 && (two === "; " || two === ": " || two === " (")) {
      end = i;
      break;
    }
    if (text[i] === "(") depth += 1;
    if (text[i] === ")") depth = Math.max(0, depth - 1);
  }
  const clause = text.slice(0, end).trim();
  return clause.length <= 60 ? clause : `${clause.slice(0, 59).trimEnd()}…`;
}

/** The first words of the commands that have words, once each: what follows `cleanup`. */
export function firstWords(commands: readonly CompletedCommand[]): string[] {
  return [...new Set(commands.flatMap((c) => c.words.slice(0, 1)))];
}
