// `cleanup check`: validate the rules file and exit.
import { EXIT } from "../exit-codes.js";
import { resolveConfigPath } from "./config-path.js";
import { ALLOW_UNTRUSTED_CONFIG, CONFIG, HELP, configChoice } from "./options.js";
import { defineCommand } from "./spec.js";

export interface CheckCommand {
  name: "check";
  config?: string;
  allowUntrustedConfig?: true;
}

export const checkCommand = defineCommand({
  name: "check",
  words: ["check"],
  title: "check",
  synopsis: ["[--config FILE]"],
  description: "validate the rules file and exit: nothing is scanned, killed or written",
  options: [CONFIG, ALLOW_UNTRUSTED_CONFIG, HELP],
  parse: (values): CheckCommand => ({ name: "check", ...configChoice(values) }),
  async run(command, io) {
    // Loaded when the command runs, and only the config's part: see machinery.ts.
    const { checkConfig } = await import("../run/check-config.js");
    const config = checkConfig(
      resolveConfigPath(command.config, io.stderr),
      command.allowUntrustedConfig === true,
    );
    const kills = config.rules.filter((r) => r.action === "kill").length;
    io.stdout.write(
      `${config.file}: OK (${config.rules.length} rules, ${kills} kill, ${config.protect.length} protect entries, ${config.services.length} services)\n`,
    );
    return { code: EXIT.OK };
  },
});
