// The one command line parser, over node:util parseArgs, driven by the command table: it picks
// the command by its words, parses its declared options, checks and converts each by type, and
// hands the result to the command's own parse. (commander 14 did this once; loading it cost
// 15 ms and 4 MiB per run, a tenth of the margin against `ps` at 10,000 processes.)
import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseDuration } from "../config/units.js";
import { UsageError } from "../shared/usage-error.js";
import type { CommandSpec, OptionSpec, ParsedCommand, ValueOption } from "./spec.js";

/** What --help and --version parse to, from any command. */
export type ActionCommand = { name: "help" } | { name: "version" };

const SEE_HELP = "\nSee 'cleanup --help'.";

/** args: the command line without node and the script (process.argv.slice(2)). */
export function parseWith(
  commands: readonly CommandSpec[],
  args: readonly string[],
): ParsedCommand | ActionCommand {
  const spec = select(commands, args);
  const label = spec.words.join(" ");
  const { values, positionals } = usage(label, () =>
    parseArgs({
      args: args.slice(spec.words.length),
      options: parseArgsOptions(spec.options),
      strict: true,
      allowPositionals: spec.positionals !== undefined,
    }),
  );
  for (const option of spec.options) {
    if (option.type === "boolean" && option.action && values[option.name] === true)
      return { name: option.action };
  }
  for (const option of spec.options) {
    if (option.type !== "boolean" && option.required && values[option.name] === undefined) {
      throw new UsageError(
        `cleanup ${label} needs --${option.name}${option.example ? `, e.g. --${option.name} ${option.example}` : ""}${SEE_HELP}`,
      );
    }
  }
  const converted: Record<string, unknown> = {};
  for (const option of spec.options) {
    const given = values[option.name];
    converted[option.name] =
      option.type === "boolean"
        ? given === true
        : convert(option, typeof given === "string" ? given : option.default);
  }
  return spec.parse(converted as never, positionals);
}

/** The command whose words begin args; else the one with no words (the run). */
function select(commands: readonly CommandSpec[], args: readonly string[]): CommandSpec {
  const match = commands.find(
    (c) => c.words.length > 0 && c.words.every((word, i) => args[i] === word),
  );
  if (match) return match;
  // `cleanup alert send`: a known first word with an unknown second one.
  const family = commands.filter((c) => c.words.length > 1 && c.words[0] === args[0]);
  if (family.length > 0) {
    throw new UsageError(
      `Unknown ${args[0]} command ${JSON.stringify(args[1] ?? "")}; expected ${family.map((c) => `'${c.words.join(" ")}'`).join(" or ")}${SEE_HELP}`,
    );
  }
  const root = commands.find((c) => c.words.length === 0);
  if (!root) throw new Error("the command table has no default command");
  return root;
}

function parseArgsOptions(options: readonly OptionSpec[]): NonNullable<ParseArgsConfig["options"]> {
  return Object.fromEntries(
    options.map((o) => [
      o.name,
      { type: o.type === "boolean" ? "boolean" : "string", ...(o.short && { short: o.short }) },
    ]),
  );
}

/** A value checked and converted by its option's type; undefined stays absent. */
function convert(option: ValueOption, given: string | undefined): unknown {
  if (given === undefined) return undefined;
  const flag = `--${option.name} ${given}`;
  switch (option.type) {
    case "string":
      return given;
    case "choice": {
      const choices = option.choices ?? [];
      if (choices.includes(given)) return given;
      throw new UsageError(`${flag}: expected ${alternatives(choices)}${SEE_HELP}`);
    }
    case "port":
      if (/^\d+$/.test(given) && Number(given) <= 65535) return Number(given);
      throw new UsageError(`${flag}: expected a port number (0-65535)${SEE_HELP}`);
    case "duration": {
      const duration = parseDuration(given);
      if (duration.ok) return duration.value;
      throw new UsageError(
        `${flag}: ${duration.problem}; expected a duration like ${option.default ?? "30s"}${SEE_HELP}`,
      );
    }
  }
}

/** "text, json or nagios". */
function alternatives(words: readonly string[]): string {
  return words.length < 2
    ? words.join("")
    : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

/** Runs a parse; parseArgs's own errors become usage errors that say where to look. */
function usage<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(`${message}\nSee 'cleanup${command ? ` ${command}` : ""} --help'.`);
  }
}
