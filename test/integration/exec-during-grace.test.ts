// A real target that exec's another program when it gets SIGTERM: same pid, same start time,
// another program. The agent must not SIGKILL what runs there now. The target is the test's own
// child, run by the scene's token-named interpreter; its new argv keeps the token; the rule
// matches only the token; the scene SIGKILLs it by pid (and start time) in afterEach.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Scene, waitFor } from "../helpers/scene.js";

let scene: Scene | undefined;
afterEach(() => scene?.cleanup());

// Python runs the handler as soon as the signal interrupts time.sleep: the exec follows SIGTERM
// at once. No fork: nothing else of the test carries the target's argv.
const SCRIPT = `
import os, signal, sys, time
def on_term(*_):
    os.execv("/usr/bin/sleep", [sys.argv[1] + "-execd", "300"])
signal.signal(signal.SIGTERM, on_term)
open(sys.argv[2], "w").close()
while True:
    time.sleep(1)
`;

const argvOf = (pid: number): string[] =>
  readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);

describe("a target that exec's during the grace", () => {
  it("is not sent SIGKILL: the result is changed and the audit shows both argvs", async () => {
    scene = new Scene();
    const name = `exec-target-${scene.token}`;
    const ready = join(scene.dir, "target.ready");
    const target = spawn(scene.python, ["-c", SCRIPT, name, ready], { stdio: "ignore" });
    const pid = target.pid!;
    scene.own(pid);
    await waitFor("the target's handler", () => existsSync(ready));
    const planned = [scene.python, "-c", SCRIPT, name, ready];
    expect(argvOf(pid)).toEqual(planned);

    // A generous grace: the exec comes within ms of SIGTERM, long before SIGKILL would be due.
    const config = scene.rules(`
rules:
  - name: exec-target
    match:
      cmdline: '^${scene.pattern} -c [\\s\\S]* ${name} '
    action: kill
    grace: 5s
`);
    const run = await scene.run(config, { json: true });

    expect(run.stderr).not.toContain("Error");
    expect(run.code).toBe(0); // changed is no failure: the planned program is gone
    expect(run.json!.results).toHaveLength(1);
    const [result] = run.json!.results;
    expect(result).toMatchObject({ pid, outcome: "changed", signals: ["SIGTERM"] });
    expect(result.detail).toContain(`pid ${pid} runs /usr/bin/sleep`);

    // Still alive, same pid and start time, running the new program.
    expect(scene.alive(pid)).toBe(true);
    expect(argvOf(pid)).toEqual([`${name}-execd`, "300"]);

    const audit = readFileSync(join(scene.stateDir, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ pid, signal: "SIGTERM", outcome: "sent", argv: planned });
    expect(audit[0].exe).toMatch(/python/);
    expect(audit[1]).toMatchObject({
      pid,
      signal: "SIGKILL",
      outcome: "changed",
      argv: planned,
      exe: audit[0].exe,
      nowArgv: [`${name}-execd`, "300"],
      nowExe: expect.stringMatching(/\/sleep$/),
    });
  });
});
