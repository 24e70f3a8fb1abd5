// Real parents that call themselves tini (they write it to /proc/self/comm, as any process may).
// A live python parent is no reaper: its children are not orphans. The init of a real pid
// namespace (unshare -fp, root) is one, whatever it is called. Every process runs from the
// scene's token-named interpreter; the rules match only the token; the agent runs --dry-run.
// Cleanup, by pid: the scene SIGKILLs what it started (and recorded); the namespace's processes
// die with its init, which unshare --kill-child SIGKILLs when the test kills unshare by handle.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Scene, waitFor } from "../helpers/scene.js";

let scene: Scene | undefined;
let unshare: ChildProcess | undefined;
afterEach(() => {
  if (unshare && unshare.exitCode === null && unshare.signalCode === null) unshare.kill("SIGKILL");
  unshare = undefined;
  scene?.cleanup();
});

// argv: ready-file. Renames itself tini, starts two children that sleep, reports the pids.
const PARENT = `
import json, os, sys, time
with open("/proc/self/comm", "w") as f:
    f.write("tini")
children = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(300)", "child"])
    children.append(pid)
with open(sys.argv[1] + ".tmp", "w") as f:
    json.dump({"pid": os.getpid(), "children": children}, f)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(300)
`;

function childRule(s: Scene): string {
  return s.rules(`
rules:
  - name: tini-children
    match:
      cmdline: '^${s.pattern} -c import time; time\\.sleep\\(300\\) child$'
      orphaned: true
    action: kill
`);
}

interface Entry {
  process: { pid: number; ppid: number; comm: string };
  facts: string[];
}
interface Spared {
  process: { pid: number; ppid: number };
  code: string;
  reasons: string[];
}

describe("a parent named tini", () => {
  it("a live python parent that renames itself tini adopts nothing: its children are not orphans", async () => {
    scene = new Scene();
    const script = join(scene.dir, "parent.py");
    writeFileSync(script, PARENT);
    const ready = join(scene.dir, "parent.ready");
    const parent = spawn(scene.python, [script, ready], { stdio: "ignore" });
    scene.own(parent.pid!);
    await waitFor("the parent and its children", () => existsSync(ready));
    const info = JSON.parse(readFileSync(ready, "utf8")) as { pid: number; children: number[] };
    for (const pid of info.children) scene.own(pid);
    expect(readFileSync(`/proc/${info.pid}/comm`, "utf8").trim()).toBe("tini");

    const run = await scene.run(childRule(scene), { dryRun: true, json: true });
    expect(run.code).toBe(0);
    expect(run.json!.plan.entries).toEqual([]);
    const spared = (run.json!.plan.spared as Spared[]).filter((s) =>
      info.children.includes(s.process.pid),
    );
    expect(spared).toHaveLength(2);
    for (const s of spared) {
      expect(s.code).toBe("parent-alive");
      expect(s.reasons[0]).toMatch(
        new RegExp(
          `^parent alive \\(parent ${info.pid} tini: not a reaper — /\\S*python\\S* is not tini\\)$`,
        ),
      );
    }
    for (const pid of [info.pid, ...info.children]) expect(scene.alive(pid)).toBe(true);
  });

  it.skipIf(process.getuid?.() !== 0)(
    "the init of a real pid namespace is a reaper, whatever it is called: its children are orphans",
    async () => {
      scene = new Scene();
      const script = join(scene.dir, "parent.py");
      writeFileSync(script, PARENT);
      const ready = join(scene.dir, "parent.ready");
      unshare = spawn("unshare", ["--fork", "--pid", "--kill-child", scene.python, script, ready], {
        stdio: "ignore",
      });
      await waitFor("the namespace's init and its children", () => existsSync(ready));

      const run = await scene.run(childRule(scene), { dryRun: true, json: true });

      expect(run.code).toBe(0);
      const entries = run.json!.plan.entries as Entry[];
      expect(entries).toHaveLength(2);
      const initPid = entries[0]!.process.ppid;
      expect(readFileSync(`/proc/${initPid}/status`, "utf8")).toMatch(/\nNSpid:\t\d+\t1\n/);
      for (const e of entries) {
        expect(e.process.ppid).toBe(initPid);
        expect(e.facts).toContain(
          `orphaned (parent ${initPid} tini: init of its own pid namespace)`,
        );
      }
    },
  );
});
