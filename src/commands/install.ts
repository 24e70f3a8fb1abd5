// `cleanup install`: the systemd units (or the cron line) and a default rules file, in place.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { exitCodeForInstall } from "../exit-codes.js";
import { PACKAGE_DIR } from "./config-path.js";
import { HELP } from "./options.js";
import { defineCommand } from "./spec.js";
import { loadMachinery } from "./cached-script.js";

export interface InstallCommand {
  name: "install";
  scheduler: "systemd" | "cron";
  dryRun: boolean;
  root?: string;
  bin?: string;
}

export const installCommand = defineCommand({
  name: "install",
  words: ["install"],
  title: "install",
  synopsis: ["[--cron] [--dry-run] [--root DIR] [--bin PATH]"],
  description:
    "put systemd/cleanup.service and .timer (or, with --cron, /etc/cron.d/cleanup) and a default /etc/cleanup/rules.yaml in place, never overwriting an existing rules.yaml, and print what it did and the systemctl commands to enable it; --dry-run shows it, --root DIR stages under DIR, --bin PATH names the binary the units run",
  options: [
    {
      name: "cron",
      type: "boolean",
      help: "install /etc/cron.d/cleanup instead of the systemd units",
    },
    {
      name: "dry-run",
      short: "n",
      type: "boolean",
      help: "show what would be put in place; write nothing",
    },
    {
      name: "root",
      type: "string",
      value: "DIR",
      help: "stage everything under DIR instead of /",
    },
    {
      name: "bin",
      type: "string",
      value: "PATH",
      help: "the binary the units run (default: this one)",
    },
    HELP,
  ],
  parse: (values): InstallCommand => ({
    name: "install",
    scheduler: values.cron ? "cron" : "systemd",
    dryRun: values["dry-run"],
    ...(values.root !== undefined && { root: values.root }),
    ...(values.bin !== undefined && { bin: values.bin }),
  }),
  async run(command, io) {
    // Loaded when the command runs, not with the command table: see machinery.ts.
    const { applyInstall, binaryCommand, describeInstall, planInstall } = await loadMachinery();
    const root = resolve(command.root ?? "/");
    const results = applyInstall(
      planInstall({
        scheduler: command.scheduler,
        root,
        ...binaryCommand(command.bin ?? io.entry, process.execPath),
        packageDir: PACKAGE_DIR,
        existing: existsSync,
        read: (path) => readFileSync(path, "utf8"),
      }),
      { dryRun: command.dryRun },
    );
    io.stdout.write(
      describeInstall(results, { scheduler: command.scheduler, root, dryRun: command.dryRun }),
    );
    return { code: exitCodeForInstall(results.some((r) => r.status === "failed")) };
  },
});
