// `cleanup daemon` while a run is long, or frozen: each run is a child process, so the daemon
// answers /health and handles SIGTERM whatever the run does, and kills a run past its deadline.
// A run's JavaScript is "blocked" here by SIGSTOP: the test stops the daemon's run child (its own
// grandchild: the pid the lock names, checked to be the daemon's child), which freezes it as a
// busy loop or a stuck system call would. Targets are the scene's own SIGTERM-ignoring orphans.
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Scene, ppidOf, waitFor } from "../helpers/scene.js";
import { longGraceRules } from "../helpers/long-grace.js";
import { healthUrl, killDaemons, spawnDaemon } from "../helpers/daemon.js";

let scene: Scene;
afterEach(() => {
  killDaemons();
  scene?.cleanup(); // the run children it owns too (see runChild)
});

/** The daemon's run child that holds the lock, once there is one; owned by the scene from then on. */
async function runChild(d: { child: ChildProcess }): Promise<number> {
  const lock = join(scene.stateDir, "cleanup.lock");
  let pid = 0;
  await waitFor(
    "a run child holding the lock",
    () => {
      try {
        pid = (JSON.parse(readFileSync(lock, "utf8")) as { pid: number }).pid;
      } catch {
        return false;
      }
      return ppidOf(pid) === d.child.pid;
    },
    30_000,
  );
  scene.own(pid);
  return pid;
}

async function health(url: string): Promise<Record<string, unknown>> {
  return (await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json()) as Record<
    string,
    unknown
  >;
}

const daemonArgs = (config: string, stopTimeout: string) =>
  scene.agentArgs(config, {
    extra: ["--schedule", "* * * * * *", "--health-port", "0", "--stop-timeout", stopTimeout],
  });

describe("cleanup daemon and long runs", () => {
  it("a frozen run: /health answers running, SIGTERM stops it within --stop-timeout, exit 1, lock free", async () => {
    scene = new Scene();
    const stubborn = await scene.orphan("stubborn", "--ignore-term");
    const config = longGraceRules(scene, "4m");
    const d = spawnDaemon(daemonArgs(config, "2s"));
    await waitFor("the health endpoint", () => healthUrl(d.events) !== undefined, 30_000);
    const url = healthUrl(d.events)!;
    const pid = await runChild(d);
    expect(await health(url)).toMatchObject({ running: true });

    // Frozen: its JavaScript runs no more, as in a busy loop. The daemon still answers.
    process.kill(pid, "SIGSTOP"); // the daemon's run child, checked in runChild
    expect(await health(url)).toMatchObject({ status: "ok", running: true });

    const signalled = performance.now();
    d.child.kill("SIGTERM"); // our own child
    const { code, at } = await d.exited;
    expect(code).toBe(1);
    // --stop-timeout 2s, then the run child is SIGKILLed: well under 2 s + a generous margin.
    expect(at - signalled).toBeLessThan(20_000);
    expect(d.events.at(-1)).toMatchObject({ event: "stopped", gaveUpOnRun: true });
    expect(scene.alive(pid)).toBe(false);
    // The run was stopped between its SIGTERM and the grace's end: no SIGKILL came.
    expect(scene.alive(stubborn.pid)).toBe(true);

    // The lock names the killed child: the next one-shot run is not busy.
    const next = await scene.run(longGraceRules(scene, "3s"), { json: true });

    expect(next.code, next.stderr).toBe(7);
    expect(next.json!.outcome).toBe("deadline");
  }, 120_000);

  it("a run frozen past its deadline is killed by the daemon; the next run takes over", async () => {
    scene = new Scene();
    await scene.orphan("stubborn", "--ignore-term");
    // 15 s: time enough to see and freeze the run child whatever the load.
    const config = longGraceRules(scene, "15s");
    const d = spawnDaemon(daemonArgs(config, "30s"));
    await waitFor("the health endpoint", () => healthUrl(d.events) !== undefined, 30_000);
    const url = healthUrl(d.events)!;
    const pid = await runChild(d);
    process.kill(pid, "SIGSTOP"); // the daemon's run child, checked in runChild
    const frozen = performance.now();

    // 15 s of deadline + the 10 s backstop margin from its start; generous on top.
    await waitFor(
      "the run to be killed",
      () => d.events.some((e) => e.event === "run-killed"),
      90_000,
    );
    expect(performance.now() - frozen).toBeLessThan(90_000);
    expect(scene.alive(pid)).toBe(false);
    expect(d.events.find((e) => e.event === "run-killed")).toMatchObject({ exitCode: 7 });
    const body = await health(url);
    expect(body).toMatchObject({ status: "failing", lastRun: { exitCode: 7 } });
    expect(String((body.lastRun as Record<string, unknown>).error)).toContain("past its deadline");

    // The next tick's run takes over the dead child's lock (not busy) and signals again.
    await waitFor(
      "the next run",
      () => d.events.some((e) => e.event === "run" || e.event === "run-failed"),
      60_000,
    );
    expect(d.events.find((e) => e.event === "run" || e.event === "run-failed")).toMatchObject({
      event: "run",
      outcome: "deadline",
    });
    d.child.kill("SIGTERM");
    const { code } = await d.exited;
    expect([0, 1]).toContain(code);
    expect(existsSync(join(scene.stateDir, "cleanup.lock"))).toBe(false);
  }, 240_000);
});
