// `cleanup check`: validate the rules file and exit.
import { EXIT } from "../exit-codes.js";
import { loadCheckConfig } from "./cached-script.js";
import { resolveConfigPath } from "./config-path.js";
import { ALLOW_UNTRUSTED_CONFIG, CONFIG, HELP, configChoice } from "./options.js";
import { ConfigError, formatProblem, type ConfigProblem } from "../config/errors.js";
import { defineCommand, type OptionSpec } from "./spec.js";

export interface CheckCommand {
  name: "check";
  config?: string;
  allowUntrustedConfig?: true;
  strict?: true;
}

const STRICT = {
  name: "strict",
  type: "boolean",
  help: "also refuse (exit 3) a file whose cgroup, unit, unit_stopped or unit_main_tree keys this host cannot serve (no cgroup path, not booted with systemd); without it they are warnings",
} as const satisfies OptionSpec;

export const checkCommand = defineCommand({
  name: "check",
  words: ["check"],
  title: "check",
  synopsis: ["[--strict] [--config FILE]"],
  description:
    "validate the rules file and exit: nothing is scanned, killed or written. Keys this host cannot serve (cgroup and unit keys without cgroups or systemd) are warnings on stderr",
  options: [CONFIG, ALLOW_UNTRUSTED_CONFIG, STRICT, HELP],
  parse: (values): CheckCommand => ({
    name: "check",
    ...configChoice(values),
    ...(values.strict && { strict: true as const }),
  }),
  async run(command, io) {
    // Loaded when the command runs, and only the config's part (see machinery.ts), with the
    // build's V8 code cache (cached-script.ts).
    const { checkConfig } = await loadCheckConfig();
    const lacking: ConfigProblem[] = [];
    const config = checkConfig(
      resolveConfigPath(command.config, io.stderr),
      command.allowUntrustedConfig === true,
      (problems) => lacking.push(...problems),
    );
    if (command.strict && lacking.length > 0) throw new ConfigError(config.file, lacking);
    for (const problem of lacking) io.stderr.write(`warning: ${formatProblem(problem)}\n`);
    const kills = config.rules.filter((r) => r.action === "kill").length;
    const warned =
      lacking.length > 0 ? `; ${lacking.length} warning${lacking.length === 1 ? "" : "s"}` : "";
    io.stdout.write(
      `${config.file}: OK (${config.rules.length} rules, ${kills} kill, ${config.protect.length} protect entries, ${config.services.length} services${config.files.length > 0 ? `, ${config.files.length} file rules` : ""})${warned}\n`,
    );
    return { code: EXIT.OK };
  },
});
