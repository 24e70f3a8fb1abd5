// The built agent (dist/cli.js) as a child process of the test, and the argument list a test
// gives it; Scene.run and Scene.runAgent supply the scene's state dir and call these.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

export interface AgentRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** How long it ran. */
  ms: number;
  json?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** How a test runs the agent on a config (Scene.run, Scene.agentArgs). */
export interface RunOptions {
  /** The command and its operands, before the options: "status", ["port", "8080"]. */
  command?: string | readonly string[];
  dryRun?: boolean;
  json?: boolean;
  /** Another state directory than the scene's own. */
  stateDir?: string;
  /** More arguments after --config and --state-dir: "--textfile", dir, "--free"… */
  extra?: readonly string[];
}

/** [command…] [--dry-run] [--json] --config CONFIG --state-dir DIR [extra…] */
export function agentArgs(config: string, stateDir: string, options: RunOptions = {}): string[] {
  const { command = [], dryRun = false, json = false } = options;
  return [
    ...(typeof command === "string" ? [command] : command),
    ...(dryRun ? ["--dry-run"] : []),
    ...(json ? ["--json"] : []),
    "--config",
    config,
    "--state-dir",
    options.stateDir ?? stateDir,
    ...(options.extra ?? []),
  ];
}

/**
 * The agent with these arguments, as our own child; with --json, stdout parsed as well.
 * uid: run as that user (and group); boundMs: SIGKILLed by its handle past this, so that a
 * hang fails the test, not the suite.
 */
export function runAgent(
  args: string[],
  options: { uid?: number; boundMs?: number } = {},
): Promise<AgentRun> {
  const { uid, boundMs } = options;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      ...(uid !== undefined && { uid, gid: uid }),
    });
    const timer =
      boundMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), boundMs);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const run: AgentRun = { code, stdout, stderr, ms: performance.now() - started };
      if (args.includes("--json") && stdout.trim()) {
        try {
          run.json = JSON.parse(stdout);
        } catch {
          // not JSON (e.g. --format nagios won): the test reads stdout itself
        }
      }
      resolve(run);
    });
  });
}
