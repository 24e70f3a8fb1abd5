// `cleanup explain PID…`: why a run would or would not act on each process; changes nothing.
import { exitCodeForExplain } from "../exit-codes.js";
import { PID_MAX_LIMIT } from "../scan/pid-files.js";
import { UsageError } from "../shared/usage-error.js";
import { resolveConfigPath } from "./config-path.js";
import { ALLOW_UNTRUSTED_CONFIG, CONFIG, HELP, configChoice } from "./options.js";
import { defineCommand } from "./spec.js";
import { loadMachinery } from "./cached-script.js";

export interface ExplainCommand {
  name: "explain";
  pids: number[];
  json: boolean;
  config?: string;
  allowUntrustedConfig?: true;
}

export const explainCommand = defineCommand({
  name: "explain",
  words: ["explain"],
  title: "explain PID…",
  positionals: [{ name: "PID…", help: "one or more process ids" }],
  synopsis: ["[--json] [--config FILE]"],
  description:
    "why a run would or would not act on each process: every rule's verdict (would kill, alert or report; spared and why; not matched and which field or condition failed), with the facts that decided it (parent alive or orphaned and the reaper judgement, age against older_than, the pattern, protect[N], the kill budget), every protect entry's verdict, the services it belongs to and the ports it listens on; sends no signal, takes no lock, writes nothing. A pid that does not exist is reported as no such process (exit 1)",
  options: [
    { name: "json", type: "boolean", help: "print the explanation as one JSON document" },
    CONFIG,
    ALLOW_UNTRUSTED_CONFIG,
    HELP,
  ],
  parse(values, positionals): ExplainCommand {
    const bad = positionals.filter((p) => !/^\d+$/.test(p) || +p < 1 || +p > PID_MAX_LIMIT);
    if (positionals.length === 0 || bad.length > 0) {
      throw new UsageError(
        `cleanup explain needs one or more process ids (1-${PID_MAX_LIMIT})${bad.length > 0 ? `, got ${bad.join(" ")}` : ""}, e.g. cleanup explain 4123\nSee 'cleanup --help'.`,
      );
    }
    return {
      name: "explain",
      // Each pid once, in the order given.
      pids: [...new Set(positionals.map(Number))],
      json: values.json,
      ...configChoice(values),
    };
  },
  async run(command, io) {
    // Loaded when the command runs, not with the command table: see machinery.ts.
    const { explain, renderExplain, EXPLAIN_FORMAT } = await loadMachinery();
    const report = await explain({
      configPath: resolveConfigPath(command.config, io.stderr),
      allowUntrustedConfig: command.allowUntrustedConfig === true,
      pids: command.pids,
    });
    const code = exitCodeForExplain(report.outcome);
    io.stdout.write(
      command.json
        ? `${JSON.stringify({ format: EXPLAIN_FORMAT, ...report, exitCode: code }, null, 2)}\n`
        : renderExplain(report),
    );
    return { code };
  },
});
