// The helper that keeps a SIGKILLed pool's semaphores out of the host's /dev/shm
// (helpers/private-shm.ts), on a real interpreter: the pid the test spawns is the program itself
// (in the host's pid namespace, with the scene's token argv, as the agent must see it), its
// /dev/shm is a tmpfs of its own, and a multiprocessing Lock it makes, with its tracker SIGKILLed
// before it could unlink it, is not in the host's /dev/shm. The scene kills what it started,
// by pid, afterEach; the tmpfs goes with the namespace's last process.
import { existsSync, readFileSync, statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { spawnPrivateShm } from "../helpers/private-shm.js";
import { Scene, waitFor } from "../helpers/scene.js";

let scene: Scene | undefined;
afterEach(() => scene?.cleanup());

const CODE = `
import json, multiprocessing as mp, os, sys, time
from multiprocessing import resource_tracker
lock = mp.get_context("spawn").Lock()
print(json.dumps({
    "pid": os.getpid(),
    "semaphore": "/dev/shm/sem." + lock._semlock.name.lstrip("/"),
    "shmDev": os.stat("/dev/shm").st_dev,
    "tracker": resource_tracker._resource_tracker._pid,
}), flush=True)
time.sleep(3600)
`;

describe("a private /dev/shm for a test's Python pool", () => {
  it("runs the program in place with its own /dev/shm; its semaphore never reaches the host's", async () => {
    scene = new Scene();
    const s = scene;
    const child = spawnPrivateShm(s.token, [s.python, "-c", CODE], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    s.own(child.pid!);
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    await waitFor("the program's report", () => out.includes("\n") || child.exitCode !== null);
    const info = JSON.parse(out) as {
      pid: number;
      semaphore: string;
      shmDev: number;
      tracker: number;
    };
    s.own(info.tracker);

    // unshare and the shell exec'd in place: the spawned pid is python, with the token argv.
    expect(info.pid).toBe(child.pid);
    const argv = readFileSync(`/proc/${info.pid}/cmdline`, "utf8").split("\0");
    expect(argv.slice(0, 2)).toEqual([s.python, "-c"]);
    // Its /dev/shm is the tmpfs named with the token, not the host's.
    expect(info.shmDev).not.toBe(statSync("/dev/shm").dev);
    expect(readFileSync(`/proc/${info.pid}/mountinfo`, "utf8")).toMatch(
      new RegExp(` /dev/shm .* shm-${s.token} `),
    );
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(`shm-${s.token}`);
    expect(info.semaphore).toMatch(/^\/dev\/shm\/sem\.mp-/);
    expect(existsSync(info.semaphore)).toBe(false);

    // SIGKILLed, tracker first (it would unlink the Lock): still nothing in the host's /dev/shm.
    await s.end(info.tracker);
    await s.end(info.pid);
    expect(existsSync(info.semaphore)).toBe(false);
  });
});
