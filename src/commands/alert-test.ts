// `cleanup alert test`: one test message through each sink, each result reported.
import { exitCodeForAlertTest } from "../exit-codes.js";
import { UsageError } from "../shared/usage-error.js";
import { resolveConfigPath } from "./config-path.js";
import { ALLOW_UNTRUSTED_CONFIG, CONFIG, HELP, configChoice } from "./options.js";
import { defineCommand } from "./spec.js";
import { loadMachinery } from "./cached-script.js";

export interface AlertTestCommand {
  name: "alert-test";
  config?: string;
  allowUntrustedConfig?: true;
  sink?: string;
}

export const alertTestCommand = defineCommand({
  name: "alert-test",
  words: ["alert", "test"],
  title: "alert test",
  synopsis: ["[--sink NAME] [--config FILE]"],
  description:
    "send a test alert through each configured sink (or --sink NAME) and report each result",
  options: [
    CONFIG,
    ALLOW_UNTRUSTED_CONFIG,
    { name: "sink", type: "string", value: "NAME", help: "the sink of this name only" },
    HELP,
  ],
  parse: (values): AlertTestCommand => ({
    name: "alert-test",
    ...configChoice(values),
    ...(values.sink !== undefined && { sink: values.sink }),
  }),
  async run(command, io) {
    // Loaded when the command runs, not with the command table: see machinery.ts.
    const { checkConfig, sendTestAlerts } = await loadMachinery();
    const config = checkConfig(
      resolveConfigPath(command.config, io.stderr),
      command.allowUntrustedConfig === true,
    );
    const only = command.sink;
    const sinks = config.alerts.sinks.filter((s) => only === undefined || s.name === only);
    if (sinks.length === 0) {
      throw new UsageError(
        `no sink named ${JSON.stringify(only)} in ${config.file}; it has ${config.alerts.sinks.map((s) => s.name).join(", ")}`,
      );
    }
    let failed = 0;
    for (const result of await sendTestAlerts(sinks, config.file, config.settings.trustPaths)) {
      io.stdout.write(
        `${result.sink} (${result.type}): ${result.error ? `FAILED: ${result.error}` : "ok"}\n`,
      );
      if (result.error) failed += 1;
    }
    return { code: exitCodeForAlertTest(failed) };
  },
});
