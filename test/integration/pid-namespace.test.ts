// The agent inside a new pid namespace (unshare -fp --mount-proc, util-linux; needs root): there
// pid 2 is the scene's token-named python, an ordinary process that rules must see. The
// namespace's init is a shell that starts that python, runs the agent (--dry-run) and exits;
// its death ends every process of the namespace. unshare runs with --kill-child and is our own
// child: in finally it is SIGKILLed by its handle, which SIGKILLs the namespace's init too.
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, Scene } from "../helpers/scene.js";

let scene: Scene | undefined;
let unshare: ChildProcess | undefined;
afterEach(() => {
  if (unshare && unshare.exitCode === null && unshare.signalCode === null) unshare.kill("SIGKILL");
  scene?.cleanup();
});

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)("in a pid namespace", () => {
  it("pid 2 is an ordinary process that rules match, not a kernel thread", async () => {
    scene = new Scene();
    const config = scene.rules(`
rules:
  - name: ns-pid-2
    match:
      cmdline: '^${scene.pattern} -c '
    action: kill
`);
    // $1 python; after it node, the cli and the agent's arguments. The python is forked first: pid 2.
    const script =
      '"$1" -c "import time; time.sleep(300)" </dev/null >/dev/null 2>&1 & shift; "$@"';
    unshare = spawn(
      "unshare",
      [
        "--fork",
        "--pid",
        "--mount-proc",
        "--kill-child",
        "/bin/sh",
        "-c",
        script,
        "sh",
        scene.python,
        process.execPath,
        CLI,
        ...scene.agentArgs(config, { dryRun: true, json: true }),
      ],

      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    unshare.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    unshare.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => unshare!.on("close", resolve));
    expect(stderr).not.toContain("unshare:");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      plan: { entries: { rule: string; process: { pid: number; ppid: number; argv: string[] } }[] };
    };
    expect(report.plan.entries).toHaveLength(1);
    expect(report.plan.entries[0]).toMatchObject({
      rule: "ns-pid-2",
      process: { pid: 2, ppid: 1, argv: [scene.python, "-c", "import time; time.sleep(300)"] },
    });
  });
});
