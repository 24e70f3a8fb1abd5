// What a command is, as data: the words that select it, its synopsis and description, and its
// options (name, short alias, type, value name, choices, default, help). The one command line
// parser (parse.ts) and `cleanup --help` (help.ts) are built from these, and so can man pages
// and shell completion be. Only `parse` and `run` are code.
import type { Exit } from "../exit-codes.js";

interface OptionBase {
  /** The long name, without the dashes: `--state-dir` is "state-dir". */
  readonly name: string;
  /** The one-letter alias, without the dash. */
  readonly short?: string;
  /** One paragraph; --help wraps it. A no-break space (\u00a0) is never broken there. */
  readonly help: string;
}

export interface FlagOption extends OptionBase {
  readonly type: "boolean";
  /** Given, it replaces the command: `cleanup check -h` is `cleanup --help`. */
  readonly action?: "help" | "version";
}

/**
 * An option that takes a value. The parser checks and converts it by type:
 *   string    as given
 *   choice    one of `choices`
 *   port      a port number 0-65535, as a number
 *   duration  a duration such as 30s (config/units.ts), as milliseconds
 */
export interface ValueOption extends OptionBase {
  readonly type: "string" | "choice" | "port" | "duration";
  /** The value's name in the synopsis and help: FILE, DIR, N. */
  readonly value: string;
  readonly choices?: readonly string[];
  /** Used (and converted) when the option is absent. */
  readonly default?: string;
  /** The command refuses to start without it; the error shows `example`. */
  readonly required?: true;
  readonly example?: string;
}

export type OptionSpec = FlagOption | ValueOption;

export interface PositionalSpec {
  /** As the synopsis shows it: PORT. */
  readonly name: string;
  readonly help: string;
  /** The only words it may be (shell completion offers them); the command's parse checks. */
  readonly choices?: readonly string[];
}

/** An option's value after parsing, by its declaration. */
type Converted<O> = O extends { type: "boolean" }
  ? boolean
  : O extends { type: "choice"; choices: readonly (infer C)[] }
    ? C
    : O extends { type: "string" }
      ? string
      : number;

type Value<O> = O extends { type: "boolean" }
  ? boolean
  : Converted<O> | (O extends { default: string } | { required: true } ? never : undefined);

/** The parsed options of a command, keyed by long name. A flag that is absent is false. */
export type OptionValues<Os extends readonly OptionSpec[]> = {
  readonly [O in Os[number] as O["name"]]: Value<O>;
};

/** Where a command writes, and the script it was started as (process.argv[1]). */
export interface CommandIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly entry: string;
}

/** A parsed command line: the command's name and its own options (see each command). */
export interface ParsedCommand {
  readonly name: string;
}

export interface CommandSpec<
  Os extends readonly OptionSpec[] = readonly OptionSpec[],
  C extends ParsedCommand = ParsedCommand,
> {
  /** The name its parsed form carries ("alert-test"). */
  readonly name: C["name"];
  /** The words after `cleanup` that select it; [] for the run, the default. */
  readonly words: readonly string[];
  /** How the Commands list of --help names it. */
  readonly title: string;
  readonly positionals?: readonly PositionalSpec[];
  /** The synopsis after the words and positionals, one entry per --help line. */
  readonly synopsis: readonly string[];
  /** One paragraph: what it does. */
  readonly description: string;
  readonly options: Os;
  /** From the checked and converted options to the command; throws UsageError. */
  parse(values: OptionValues<Os>, positionals: readonly string[]): C;
  /** Does it: writes to io, returns how the process ends; throws what main's catch maps. */
  run(command: C, io: CommandIo): Promise<Exit>;
}

/** Keeps the literal types of a command's options for its parse and run. */
export function defineCommand<const Os extends readonly OptionSpec[], C extends ParsedCommand>(
  spec: CommandSpec<Os, C>,
): CommandSpec<Os, C> {
  return spec;
}
