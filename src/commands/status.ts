// `cleanup status`: how the host is; changes nothing.
import { EXIT } from "../exit-codes.js";
import { resolveConfigPath } from "./config-path.js";
import {
  ALLOW_UNTRUSTED_CONFIG,
  CONFIG,
  HELP,
  STATE_DIR,
  configChoice,
  stateDirChoice,
} from "./options.js";
import { defineCommand } from "./spec.js";
import { loadMachinery } from "./cached-script.js";

export interface StatusCommand {
  name: "status";
  json: boolean;
  config?: string;
  allowUntrustedConfig?: true;
  stateDir?: string;
}

export const statusCommand = defineCommand({
  name: "status",
  words: ["status"],
  title: "status",
  synopsis: ["[--json] [--config FILE] [--state-dir DIR]"],
  description:
    "how the host is: memory, swap, CPU, load, disk and pressure against the thresholds, the orphans found and what a run would do to them, each service's health probe, instances and PID files, the largest processes, and the last run's outcome; changes nothing (stale PID files are shown as would-remove)",
  options: [
    { name: "json", type: "boolean", help: "print the status as one JSON document" },
    CONFIG,
    ALLOW_UNTRUSTED_CONFIG,
    STATE_DIR,
    HELP,
  ],
  parse: (values): StatusCommand => ({
    name: "status",
    json: values.json,
    ...configChoice(values),
    ...stateDirChoice(values),
  }),
  async run(command, io) {
    // Loaded when the command runs, not with the command table: see machinery.ts.
    const { runOnce, writeAll, renderJsonChunks, renderStatus } = await loadMachinery();
    const report = await runOnce({
      configPath: resolveConfigPath(command.config, io.stderr),
      allowUntrustedConfig: command.allowUntrustedConfig === true,
      mode: "status",
      ...(command.stateDir && { stateDir: command.stateDir }),
    });
    const color = io.stdout.isTTY === true && !process.env.NO_COLOR;
    await writeAll(
      io.stdout,
      command.json ? renderJsonChunks(report, EXIT.OK) : [renderStatus(report, color)],
    );
    return { code: EXIT.OK };
  },
});
