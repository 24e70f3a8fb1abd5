// The command table drives the parser and --help: every command and option in it is in the help,
// every option parses by its declared type, and errors name the command they came from.
import { describe, expect, it } from "vitest";
import { renderHelp } from "../../../src/commands/help.js";
import { parseWith } from "../../../src/commands/parse.js";
import { defineCommand, type CommandSpec, type OptionSpec } from "../../../src/commands/spec.js";
import { COMMANDS, PROGRAM, helpText, parseCommandLine } from "../../../src/commands/table.js";
import { UsageError } from "../../../src/shared/usage-error.js";

const TABLE = COMMANDS as readonly CommandSpec[];
const help = helpText();

/** The words and positionals that reach a command, with what it cannot start without. */
function prefix(spec: CommandSpec): string[] {
  return [
    ...spec.words,
    ...(spec.positionals ?? []).map(() => "9091"),
    ...spec.options.flatMap((o) =>
      o.type !== "boolean" && o.required ? [`--${o.name}`, o.example ?? "x"] : [],
    ),
    // `port N --dry-run` needs --free; every other option goes with it too.
    ...(spec.name === "port" ? ["--free"] : []),
  ];
}

/** A value each type accepts. */
function sample(option: OptionSpec): string[] {
  switch (option.type) {
    case "boolean":
      return [];
    case "choice":
      return [option.choices![0]!];
    case "port":
      return ["9464"];
    case "duration":
      return ["5s"];
    case "string":
      return ["some-value"];
  }
}

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("parsed without an error");
}

const options = TABLE.flatMap((spec) =>
  spec.options.map((option) => ({ command: spec.words.join(" ") || "(run)", spec, option })),
);

describe("the command table", () => {
  it("has one default command, unique names and unique words", () => {
    expect(TABLE.filter((c) => c.words.length === 0)).toHaveLength(1);
    expect(new Set(TABLE.map((c) => c.name)).size).toBe(TABLE.length);
    expect(new Set(TABLE.map((c) => c.words.join(" "))).size).toBe(TABLE.length);
  });

  it.each(TABLE.map((spec) => [spec.title, spec] as const))(
    "%s: its words, synopsis and description are in --help",
    (_title, spec) => {
      const head = [...spec.words, ...(spec.positionals ?? []).map((p) => p.name)];
      expect(help).toContain(`cleanup ${[...head, spec.synopsis[0]].join(" ")}`);
      expect(help).toContain(`\n  ${spec.title.padEnd(22)}`);
      // Wrapped, but every word of it, in order.
      const flat = help.replace(/\s+/g, " ");
      expect(flat).toContain(spec.description.replace(/\s+/g, " "));
    },
  );

  it.each(options.map((o) => [o.command, `--${o.option.name}`, o] as const))(
    "%s %s: in --help, with its alias, value name and choices",
    (_command, flag, { option }) => {
      expect(help).toContain(flag);
      if (option.short) expect(help).toContain(`-${option.short}, ${flag}`);
      // The synopsis may show the default instead: [--stop-timeout 30s].
      if (option.type !== "boolean")
        expect(help).toMatch(
          new RegExp(`${flag} (${option.value}|${option.default ?? option.value})`),
        );
      for (const choice of option.type === "choice" ? option.choices! : [])
        expect(help).toContain(choice);
    },
  );

  it("--help lists the default command's options with their help, wrapped to 80 columns", () => {
    const [, listed] = /\nOptions:\n([\s\S]*?)\n\n/.exec(help)!;
    const flat = listed!.replace(/\s+/g, " ");
    for (const option of TABLE.find((c) => c.words.length === 0)!.options)
      expect(flat).toContain(option.help.replace(/\u00a0/g, " "));
    const [, commands] = /\nCommands:\n([\s\S]*?)\n\n/.exec(help)!;
    for (const line of [...listed!.split("\n"), ...commands!.split("\n")])
      expect(line.length).toBeLessThanOrEqual(80);
    // A no-break space holds a code to its name, and prints as a space.
    expect(help).toContain("1 WARNING");
    expect(help).not.toContain("\u00a0");
  });
});

describe("the parser, by the table", () => {
  it.each(options.map((o) => [o.command, `--${o.option.name}`, o] as const))(
    "%s accepts %s",
    (_command, flag, { spec, option }) => {
      const parsed = parseCommandLine([...prefix(spec), flag, ...sample(option)]);
      expect(parsed.name).toBe(
        option.type === "boolean" && option.action ? option.action : spec.name,
      );
      if (option.short) {
        const short = parseCommandLine([...prefix(spec), `-${option.short}`, ...sample(option)]);
        expect(short).toEqual(parsed);
      }
    },
  );

  it.each(TABLE.map((spec) => [spec.words.join(" ") || "(run)", spec] as const))(
    "%s: an unknown option names the command's help; --help works before anything else",
    (_command, spec) => {
      const where = ["cleanup", ...spec.words].join(" ");
      expect(usageError(() => parseCommandLine([...prefix(spec), "--no-such-option"]))).toBe(
        `Unknown option '--no-such-option'\nSee '${where} --help'.`,
      );
      expect(parseCommandLine([...spec.words, "--help"])).toEqual({ name: "help" });
    },
  );

  it("a command's options are its own: another command's are unknown", () => {
    expect(usageError(() => parseCommandLine(["check", "--state-dir", "/s"]))).toBe(
      "Unknown option '--state-dir'\nSee 'cleanup check --help'.",
    );
    expect(usageError(() => parseCommandLine(["status", "--version"]))).toMatch(
      /^Unknown option '--version'/,
    );
  });
});

// A table that is not cleanup's: what the parser and --help do comes from the table alone.
const probe = defineCommand({
  name: "probe",
  words: ["probe", "deep"],
  title: "probe deep",
  synopsis: ["[--mode M] [--port N] [--wait D] --label L [--quiet]"],
  description: "a command only this test knows",
  options: [
    { name: "mode", type: "choice", value: "M", choices: ["a", "b", "c"], help: "a, b or c" },
    { name: "port", type: "port", value: "N", help: "a port" },
    { name: "wait", type: "duration", value: "D", default: "2s", help: "how long" },
    { name: "label", type: "string", value: "L", required: true, example: "x", help: "a label" },
    { name: "quiet", short: "q", type: "boolean", help: "say less" },
    { name: "help", type: "boolean", action: "help", help: "this help" },
  ],
  parse: (values) => ({ name: "probe" as const, ...values }),
  run: () => Promise.resolve({ code: 0 }),
});
const root = defineCommand({
  name: "root",
  words: [],
  title: "(none)",
  synopsis: ["[--version]"],
  description: "the default",
  options: [{ name: "version", short: "V", type: "boolean", action: "version", help: "version" }],
  parse: () => ({ name: "root" as const }),
  run: () => Promise.resolve({ code: 0 }),
});
const PROBE_TABLE = [root, probe] as readonly CommandSpec[];
const parseProbe = (args: string[]) => parseWith(PROBE_TABLE, ["probe", "deep", ...args]);

describe("the parser over any table", () => {
  it("converts each option by its type and applies defaults", () => {
    expect(parseProbe(["--label", "l"])).toEqual({
      name: "probe",
      label: "l",
      mode: undefined,
      port: undefined,
      wait: 2000,
      quiet: false,
      help: false,
    });
    expect(parseProbe(["--label=l", "--mode", "b", "--port", "0", "--wait", "1m", "-q"])).toEqual({
      name: "probe",
      label: "l",
      mode: "b",
      port: 0,
      wait: 60_000,
      quiet: true,
      help: false,
    });
  });

  it.each([
    [["--mode", "d"], "--mode d: expected a, b or c"],
    [["--port", "65536"], "--port 65536: expected a port number (0-65535)"],
    [["--port", "-1"], "argument is ambiguous"],
    [["--wait", "soon"], "--wait soon: "],
  ])("refuses %j: %s", (args, message) => {
    expect(usageError(() => parseProbe(["--label", "l", ...args]))).toContain(message);
  });

  it("a required option, the command's words and its help in the errors", () => {
    expect(usageError(() => parseProbe([]))).toBe(
      "cleanup probe deep needs --label, e.g. --label x\nSee 'cleanup --help'.",
    );
    expect(usageError(() => parseProbe(["--label", "l", "--loud"]))).toBe(
      "Unknown option '--loud'\nSee 'cleanup probe deep --help'.",
    );
    expect(usageError(() => parseWith(PROBE_TABLE, ["probe", "shallow"]))).toBe(
      `Unknown probe command "shallow"; expected 'probe deep'\nSee 'cleanup --help'.`,
    );
    expect(parseProbe(["--help"])).toEqual({ name: "help" });
    expect(parseWith(PROBE_TABLE, ["-V"])).toEqual({ name: "version" });
    expect(parseWith(PROBE_TABLE, [])).toEqual({ name: "root" });
  });

  it("--help shows that table", () => {
    const text = renderHelp({ name: "cleanup", description: "A test program." }, PROBE_TABLE);
    expect(text).toContain("Usage: cleanup [--version]\n       cleanup probe deep [--mode M]");
    expect(text).toContain("cleanup --version\n\nA test program.\n\nCommands:\n");
    expect(text).toContain("  probe deep            a command only this test knows\n");
    expect(text).toContain("\nOptions:\n  -V, --version         version\n\nExit status:\n");
    expect(text).not.toContain("cleanup port");
  });

  it("cleanup's own help is its table rendered", () => {
    expect(help).toBe(renderHelp(PROGRAM, TABLE));
  });
});
