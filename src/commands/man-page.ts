// cleanup(1), built from the command table as --help is (help.ts), but whole: every command with
// every option and the help of each (--help lists the default command's options only), the exit
// status table, and the files and environment a run reads.
import { EXIT_TABLE, NAGIOS_EXIT } from "../exit-codes.js";
import { TARGET } from "../install/install.js";
import { SYSTEM_CONFIG } from "./config-path.js";
import type { ProgramSpec } from "./help.js";
import { bold, escape, heading, italic, page, pageHeader, tagged, textLine } from "./roff.js";
import type { CommandSpec, OptionSpec } from "./spec.js";

/** The unit's EnvironmentFile= (systemd/cleanup.service) and the .deb's conffile. */
const ENV_FILE = "/etc/cleanup/env";

export function renderCommandMan(
  program: ProgramSpec,
  commands: readonly CommandSpec[],
  version: string,
): string {
  const name = program.name;
  const root = commands.find((c) => c.words.length === 0);
  const actions = root?.options.filter((o) => o.type === "boolean" && o.action) ?? [];
  return page([
    ...pageHeader(name.toUpperCase(), 1, `${name} ${version}`, "User Commands"),
    ...heading("SH", "NAME"),
    // The whatis line: "name \- summary", the summary the first sentence of the description.
    `${name} \\- ${escape(firstSentence(program.description))}`,
    ...heading("SH", "SYNOPSIS"),
    ...commands.flatMap((c) => [".PP", synopsisLine(name, c)]),
    ...(actions.length > 0
      ? [
          ".PP",
          `${bold(escape(name))} ${actions.map((o) => bold(escape(`--${o.name}`))).join(" | ")}`,
        ]
      : []),
    ...heading("SH", "DESCRIPTION"),
    textLine(escape(program.description)),
    ".PP",
    textLine(
      `Each command and its options follow. The rules file is described in ${bold("cleanup\\-rules")}(5).`,
    ),
    ...heading("SH", "COMMANDS"),
    ...commands.flatMap((c) => commandSection(name, c)),
    ...heading("SH", "EXIT STATUS"),
    ...EXIT_TABLE.flatMap(([code, meaning]) =>
      tagged(bold(String(code)), [escape(sentence(meaning))]),
    ),
    ".PP",
    textLine(
      escape(
        `With --format nagios the plugin convention replaces this table: ${Object.entries(
          NAGIOS_EXIT,
        )
          .map(([state, code]) => `${code} ${state}`)
          .join(", ")}; every error is UNKNOWN.`,
      ),
    ),
    ...heading("SH", "ENVIRONMENT"),
    ...tagged(bold("CLEANUP_CONFIG"), [
      escape(`The rules file when --config does not name one (before ${SYSTEM_CONFIG}).`),
    ]),
    ...tagged(bold("NO_COLOR"), [escape("Set (to anything): status prints without colours.")]),
    ...tagged(bold("XDG_STATE_HOME"), [
      escape(
        "An ordinary user's state directory is $XDG_STATE_HOME/cleanup (or ~/.local/state/cleanup).",
      ),
    ]),
    ...heading("SH", "FILES"),
    ...tagged(italic(escape(TARGET.rules)), [
      `${escape("The rules file, unless --config or $CLEANUP_CONFIG names another; without it, the rules.yaml the package ships. See")} ${bold("cleanup\\-rules")}(5).`,
    ]),
    ...tagged(italic(escape(TARGET.schema)), [
      escape("Its JSON schema, for editors (the rules file's first line names it)."),
    ]),
    ...tagged(italic(escape(ENV_FILE)), [
      escape(
        "Secrets for the alert sinks ({ env: NAME } in the rules), mode 0600: the systemd unit's EnvironmentFile=.",
      ),
    ]),
    ...tagged(italic(escape("/var/lib/cleanup/")), [
      escape(
        "The state directory as root (--state-dir, settings.state_dir): cleanup.lock, audit.jsonl, outbox.json, alerts.json, cpu.json, health.json, last-run.json. As root it must be root's alone.",
      ),
    ]),
    ...tagged(italic(escape(`${TARGET.service}, ${TARGET.timer}`)), [
      escape(`The systemd units cleanup install writes (with --cron: ${TARGET.cron}).`),
    ]),
    ...heading("SH", "SEE ALSO"),
    `${bold("cleanup\\-rules")}(5), ${bold("systemd.timer")}(5), ${bold("systemd.service")}(5), ${bold("crontab")}(5)`,
  ]);
}

/** `cleanup port PORT [--free [--dry-run]] …`: words and options bold, value names italic. */
function synopsisLine(program: string, command: CommandSpec): string {
  const head = [program, ...command.words].map((w) => bold(escape(w))).join(" ");
  const positionals = (command.positionals ?? []).map((p) => italic(escape(p.name)));
  return textLine([head, ...positionals, marked(command.synopsis.join(" "))].join(" "));
}

/** Synopsis text: `--name` bold, an upper-case value name italic, the rest as it is. */
function marked(text: string): string {
  return text
    .split(/(--?[a-z][a-z0-9-]*|\b[A-Z][A-Z_]*\b)/)
    .map((part, i) => {
      if (i % 2 === 0) return escape(part);
      return part.startsWith("-") ? bold(escape(part)) : italic(escape(part));
    })
    .join("");
}

function commandSection(program: string, command: CommandSpec): string[] {
  const title = [program, ...command.words, ...(command.positionals ?? []).map((p) => p.name)];
  return [
    ...heading("SS", title.join(" ")),
    textLine(escape(sentence(command.description))),
    ...(command.positionals ?? []).flatMap((p) =>
      tagged(italic(escape(p.name)), [
        escape(`${sentence(p.help)}${p.choices ? ` One of: ${p.choices.join(", ")}.` : ""}`),
      ]),
    ),
    ...command.options.flatMap((o) => tagged(optionTag(o), [escape(optionBody(o))])),
  ];
}

/** `\fB\-c\fR, \fB\-\-config\fR \fIFILE\fR`. */
function optionTag(option: OptionSpec): string {
  const long = bold(escape(`--${option.name}`));
  const value = option.type === "boolean" ? "" : ` ${italic(escape(option.value))}`;
  return `${option.short ? `${bold(escape(`-${option.short}`))}, ` : ""}${long}${value}`;
}

function optionBody(option: OptionSpec): string {
  const parts = [sentence(option.help)];
  if (option.type !== "boolean") {
    if (option.choices) parts.push(`One of: ${option.choices.join(", ")}.`);
    if (option.default !== undefined) parts.push(`Default: ${option.default}.`);
    if (option.required)
      parts.push(`Required${option.example ? `, e.g. --${option.name} ${option.example}` : ""}.`);
  }
  return parts.join(" ");
}

/** The table's texts are --help fragments: in a page they start upper case and end with a stop. */
function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function firstSentence(text: string): string {
  const end = text.indexOf(". ");
  return (end < 0 ? text : text.slice(0, end))
    .replace(/\.$/, "")
    .replace(/^./, (c) => c.toLowerCase());
}
