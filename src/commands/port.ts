// `cleanup port PORT`: who holds a port, and (--free) kill them if every one is stale.
import { exitCodeForPort } from "../exit-codes.js";
import { UsageError } from "../shared/usage-error.js";
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

export interface PortCommand {
  name: "port";
  port: number;
  /** Both when empty. */
  protos: ("tcp" | "udp")[];
  free: boolean;
  dryRun: boolean;
  json: boolean;
  config?: string;
  allowUntrustedConfig?: true;
  stateDir?: string;
}

export const portCommand = defineCommand({
  name: "port",
  words: ["port"],
  title: "port PORT",
  positionals: [{ name: "PORT", help: "the port number (1-65535)" }],
  synopsis: ["[--free [--dry-run]] [--tcp | --udp] [--json] [--config FILE]", "[--state-dir DIR]"],
  description:
    "who holds PORT (TCP listening, UDP bound; --tcp, --udp for one): pid, command, age, parent, orphaned or not, whether it is stale by the rules (a kill rule names it, or it is an older instance of a service in the rules, by its PID file or single_instance) and what --free would kill; --free kills them (SIGTERM, grace, SIGKILL, the trees) only if every holder is stale and every socket on the port can be inspected, else refuses with the reasons and kills nothing; --free --dry-run shows what it would kill",
  options: [
    {
      name: "free",
      type: "boolean",
      help: "kill the holders (SIGTERM, grace, SIGKILL, the trees), only if every one is stale and every socket on the port can be inspected",
    },
    {
      name: "dry-run",
      short: "n",
      type: "boolean",
      help: "with --free: show what it would kill, kill nothing",
    },
    { name: "tcp", type: "boolean", help: "TCP listeners only" },
    { name: "udp", type: "boolean", help: "UDP sockets only" },
    { name: "json", type: "boolean", help: "print the report as one JSON document" },
    CONFIG,
    ALLOW_UNTRUSTED_CONFIG,
    STATE_DIR,
    HELP,
  ],
  parse(values, positionals): PortCommand {
    const [port, ...rest] = positionals;
    if (
      port === undefined ||
      rest.length > 0 ||
      !/^\d+$/.test(port) ||
      +port < 1 ||
      +port > 65535
    ) {
      throw new UsageError(
        `cleanup port needs one port number (1-65535)${port === undefined ? "" : `, got ${[port, ...rest].join(" ")}`}, e.g. cleanup port 9091 --free\nSee 'cleanup --help'.`,
      );
    }
    if (values["dry-run"] && !values.free)
      throw new UsageError(
        `--dry-run goes with --free (cleanup port N alone changes nothing)\nSee 'cleanup --help'.`,
      );
    return {
      name: "port",
      port: Number(port),
      protos: [
        ...(values.tcp ? (["tcp"] as const) : []),
        ...(values.udp ? (["udp"] as const) : []),
      ],
      free: values.free,
      dryRun: values["dry-run"],
      json: values.json,
      ...configChoice(values),
      ...stateDirChoice(values),
    };
  },
  async run(command, io) {
    // Loaded when the command runs, not with the command table: see machinery.ts.
    const { inspectPort, renderPortJson, renderPort } = await loadMachinery();
    const report = await inspectPort({
      configPath: resolveConfigPath(command.config, io.stderr),
      allowUntrustedConfig: command.allowUntrustedConfig === true,
      port: command.port,
      protos: command.protos,
      free: command.free,
      dryRun: command.dryRun,
      ...(command.stateDir && { stateDir: command.stateDir }),
    });
    const code = exitCodeForPort(report.outcome);
    io.stdout.write(command.json ? renderPortJson(report, code) : renderPort(report));
    return { code };
  },
});
