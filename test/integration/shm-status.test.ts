// status's shared-memory section on real files and a real holder: the test's own directory
// stands in for /dev/shm (ShmOptions.dir), a python process of the test's maps one file, the
// others are held by nobody; the largest come first, each with its holders or "no holder", and
// the section rendered as status prints it. The scene kills what it started, by pid, afterEach.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readShmUsage } from "../../src/host/shm-usage.js";
import { renderStatus } from "../../src/report/status.js";
import { proc } from "../helpers/fixtures.js";
import { dryReport } from "../helpers/run-report.js";
import { Scene, startTicksOf } from "../helpers/scene.js";

let scene: Scene;
afterEach(() => scene?.cleanup());

describe("status: shared memory and who holds it", () => {
  it("lists the largest files with their holder (pid, how, command line) or no holder", async () => {
    scene = new Scene();
    const shm = join(scene.dir, `shm-${scene.token}`);
    mkdirSync(shm);
    const held = join(shm, `psm_${scene.token}_held`);
    writeFileSync(held, Buffer.alloc(3 * 2 ** 20));
    writeFileSync(join(shm, `psm_${scene.token}_leaked`), Buffer.alloc(2 ** 20));
    writeFileSync(join(shm, `sem.mp-${scene.token}`), Buffer.alloc(32));
    const code =
      "import mmap,sys\nf=open(sys.argv[1],'r+b')\nm=mmap.mmap(f.fileno(),0)\nf.close()\nprint('ready',flush=True)\nimport time\ntime.sleep(600)";
    const child = spawn(scene.python, ["-c", code, held], { stdio: ["ignore", "pipe", "inherit"] });
    scene.own(child.pid!);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
      child.on("exit", (c) => reject(new Error(`exited ${c}`)));
    });
    const pid = child.pid!;
    const holder = proc({
      pid,
      startTicks: startTicksOf(pid)!,
      argv: [scene.python, "-c", code, held],
      user: "tester",
    });
    // The test's own process as scanned; the others there are now are read too (withUnscanned),
    // and none of them holds the test's token files.
    const usage = await readShmUsage([holder], {
      dir: shm,
      procRoot: "/proc",
      nowMs: Date.now(),
      statfsTimeoutMs: 30_000,
    });
    expect(usage).toMatchObject({
      dir: shm,
      entries: 3,
      totalBytes: 4 * 2 ** 20 + 32,
      truncated: false,
    });
    expect(usage.disk.status).toBe("ok");
    expect(
      usage.largest.map((f) => [
        f.path.slice(shm.length + 1),
        f.holders.map((h) => [h.pid, h.how]),
      ]),
    ).toEqual([
      [`psm_${scene.token}_held`, [[pid, "map"]]],
      [`psm_${scene.token}_leaked`, []],
      [`sem.mp-${scene.token}`, []],
    ]);
    // This machine's unreadable processes (here PID 1, not ours) may be listed; ours never is.
    expect(usage.holdersUnknown.map((u) => u.pid)).not.toContain(pid);

    const report = dryReport();
    report.shm = usage;
    const lines = renderStatus(report, false).split("\n");
    const at = lines.findIndex((l) => l.startsWith(`SHARED MEMORY ${shm}: `));
    expect(lines[at]).toMatch(/ used of .*; 3 entries, 4\.0MiB in files$/);
    expect(lines[at + 2]).toMatch(new RegExp(`^ +3\\.0MiB +\\S+ +\\S+ +${held}$`));
    expect(
      lines[at + 3]!.startsWith(
        `           held by ${pid} (map, tester) ${scene.python} -c import mmap,sys`,
      ),
    ).toBe(true);
    expect(lines[at + 5]).toBe("           no holder");
  });

  it("a process whose holdings cannot be read is counted, and said to maybe hold what shows no holder", async () => {
    scene = new Scene();
    const shm = join(scene.dir, `shm-${scene.token}`);
    mkdirSync(shm);
    writeFileSync(join(shm, `psm_${scene.token}`), "x");
    // A pid that is not a process of this fixture /proc: its maps cannot be read, yet it "exists".
    const root = join(scene.dir, "proc");
    mkdirSync(join(root, "4242"), { recursive: true });
    writeFileSync(
      join(root, "4242", "stat"),
      "4242 (python3) S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0",
    );
    const usage = await readShmUsage([proc({ pid: 4242, startTicks: 777 })], {
      dir: shm,
      procRoot: root,
      nowMs: Date.now(),
      statfsTimeoutMs: 30_000,
    });
    expect(usage.largest[0]!.holders).toEqual([]);
    expect(usage.holdersUnknown.map((u) => u.pid)).toEqual([4242]);
    const report = dryReport();
    report.shm = usage;
    expect(renderStatus(report, false)).toContain(
      "  1 process whose holdings could not be read (pid 4242: ",
    );
  });
});
