// The bundled rules.yaml flags development-only setups. A dry run only (the bundled rules are
// for users' hosts): nothing is signalled. The processes are this test's own, each with a
// random token in its argv, and are ended by pid afterwards.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Scene, waitFor } from "../helpers/scene.js";
import { stopChild } from "../helpers/stop-child.js";

const BUNDLED = fileURLToPath(new URL("../../rules.yaml", import.meta.url));
// The scene gives the token and the state dir; its own interpreter is not used here.
const scene = new Scene();
const token = scene.token;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) await stopChild(child);
  scene.cleanup();
});

/** python3 sleeping, with `argv` after its script: what the rule sees in the command line. */
function python(...argv: string[]): ChildProcess {
  const child = spawn("python3", ["-c", "import time; time.sleep(120)", token, ...argv], {
    stdio: "ignore",
  });
  children.push(child);
  return child;
}

describe("bundled rules.yaml: development-only setups", () => {
  it("alerts on uvicorn --reload, gunicorn --reload, runserver and an open node inspector", async () => {
    const uvicorn = python("uvicorn", "app:app", "--reload");
    const gunicorn = python("gunicorn", "app:app", "--reload");
    const runserver = python("manage.py", "runserver", "0.0.0.0:8000");
    const inspector = spawn(
      process.execPath,
      ["--inspect=127.0.0.1:0", "-e", "setTimeout(() => {}, 120000)", token],
      { stdio: "ignore" },
    );
    children.push(inspector);
    const quiet = python("worker.py", "--queue", "default");
    const pids = [uvicorn, gunicorn, runserver, inspector, quiet].map((c) => c.pid!);
    await waitFor("the processes", () =>
      pids.every((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 200)); // exec done, argv in place

    const run = await scene.run(BUNDLED, { dryRun: true, json: true });

    const report = JSON.parse(run.stdout) as {
      dryRun: boolean;
      configFile: string;
      plan: { entries: { action: string; rule: string; process: { pid: number } }[] };
    };
    expect(report.dryRun).toBe(true);
    expect(report.configFile).toBe(BUNDLED);
    const ruleOf = (pid: number) =>
      report.plan.entries.filter((e) => e.process.pid === pid).map((e) => `${e.action} ${e.rule}`);
    expect(ruleOf(uvicorn.pid!)).toEqual(["alert uvicorn-reload"]);
    expect(ruleOf(gunicorn.pid!)).toEqual(["alert dev-server"]);
    expect(ruleOf(runserver.pid!)).toEqual(["alert dev-server"]);
    expect(ruleOf(inspector.pid!)).toEqual(["alert node-inspector-open"]);
    expect(ruleOf(quiet.pid!)).toEqual([]);
  });
});
