// `cleanup daemon` as a real process: every second a run against the scene's own SIGTERM-ignoring
// orphan (grace 3 s), so a run is in progress when the daemon gets SIGTERM. The daemon and the
// orphan are this test's own processes, signalled by handle and by the scene's pid record.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Scene, waitFor } from "../helpers/scene.js";
import { healthUrl, killDaemons, spawnDaemon } from "../helpers/daemon.js";

let scene: Scene;
afterEach(() => {
  killDaemons();
  scene?.cleanup();
});

/** The scene's orphans, killed with this grace; host thresholds off so nothing else alerts. */
// One file per grace: a test that needs two keeps both.
const quietKillRules = (s: Scene, grace: string) =>
  s.killRules({ quiet: true, grace, file: `rules-${grace}.yaml` });

describe("cleanup daemon", () => {
  it("SIGTERM in the middle of a run: it waits for the run, stops within the bound, state whole", async () => {
    scene = new Scene();
    const stubborn = await scene.orphan("stubborn", "--ignore-term");
    const config = quietKillRules(scene, "3s");
    const d = spawnDaemon(
      scene.agentArgs(config, {
        extra: ["--schedule", "* * * * * *", "--health-port", "0", "--stop-timeout", "20s"],
      }),
    );
    await waitFor("the health endpoint", () => healthUrl(d.events) !== undefined);
    const url = healthUrl(d.events)!;
    await waitFor(
      "a run in progress",
      () => existsSync(join(scene.stateDir, "cleanup.lock")),
      10_000,
    );
    const health = (await (await fetch(url)).json()) as { status: string; running: boolean };
    expect(health).toMatchObject({ status: "ok", running: true });
    // While the run waits out its grace, the next ticks are skipped, never run alongside.
    await waitFor("a skipped tick", () => d.events.some((e) => e.event === "skipped"), 5_000);

    const signalled = performance.now();
    d.child.kill("SIGTERM"); // our own child
    const { code, at } = await d.exited;
    expect(code).toBe(0);
    expect(at - signalled).toBeLessThan(10_000); // the run's grace (3 s) + SIGKILL + confirm, well inside 20 s
    const names = d.events.map((e) => e.event);
    expect(names).toContain("stopping");
    expect(d.events.find((e) => e.event === "stopping")).toMatchObject({
      signal: "SIGTERM",
      waitingForRun: true,
    });
    expect(names.at(-1)).toBe("stopped");
    expect(d.events.at(-1)).toMatchObject({ gaveUpOnRun: false });
    expect(names.lastIndexOf("run")).toBeLessThan(names.lastIndexOf("stopped"));

    // The run finished: the orphan is dead, the lock released, every state file whole.
    expect(scene.alive(stubborn.pid)).toBe(false);
    expect(existsSync(join(scene.stateDir, "cleanup.lock"))).toBe(false);
    for (const file of readdirSync(scene.stateDir).filter((f) => f.endsWith(".json"))) {
      expect(() => JSON.parse(readFileSync(join(scene.stateDir, file), "utf8"))).not.toThrow();
    }
    const audit = readFileSync(join(scene.stateDir, "audit.jsonl"), "utf8").trim().split("\n");
    expect(audit.map((l) => JSON.parse(l).signal)).toEqual(["SIGTERM", "SIGKILL"]);
  }, 30_000);

  it("past --stop-timeout it gives up on the run and exits 1; the next run takes over the stale lock", async () => {
    scene = new Scene();
    const stubborn = await scene.orphan("stubborn", "--ignore-term");
    // A grace far longer than the test's bound: stopping within the bound means it gave up.
    const config = quietKillRules(scene, "90s");
    const d = spawnDaemon(
      scene.agentArgs(config, { extra: ["--schedule", "* * * * * *", "--stop-timeout", "1s"] }),
    );
    await waitFor(
      "a run in progress",
      () => existsSync(join(scene.stateDir, "cleanup.lock")),
      10_000,
    );
    const signalled = performance.now();
    d.child.kill("SIGTERM");
    const { code, at } = await d.exited;
    expect(code).toBe(1);
    expect(at - signalled).toBeLessThan(30_000);
    expect(d.events.at(-1)).toMatchObject({ event: "stopped", gaveUpOnRun: true });

    // The daemon is gone and its lock names it: a one-shot run recognises the lock as stale
    // (with a short grace, so that it need not wait 90 s to SIGKILL the stubborn orphan).
    const next = await scene.run(quietKillRules(scene, "1s"), { json: true });
    expect(next.code).toBe(0);
    expect(next.json!.results).toMatchObject([{ pid: stubborn.pid, outcome: "killed" }]);
  }, 90_000);

  // Each: the daemon's arguments for a scene, its exit code, what stderr says.
  it.each<[string, (s: Scene) => string[], number, string]>([
    [
      "a bad schedule",
      (s) => ["--schedule", "every half hour", "--config", s.killRules()],
      2,
      'invalid --schedule "every half hour"',
    ],
    [
      "a bad config",
      (s) => [
        "--schedule",
        "*/30 * * * *",
        "--config",
        s.rules("rules: [{ name: x }]\n", "broken.yaml"),
      ],
      3,
      "config invalid",
    ],
    [
      "a health port out of range",
      (s) => ["--schedule", "* * * * *", "--health-port", "99999", "--config", s.killRules()],
      2,
      "expected a port number (0-65535)",
    ],
  ])("%s stops it before it starts", async (_name, args, code, message) => {
    scene = new Scene();
    const run = await scene.runAgent(["daemon", ...args(scene)]);
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(message);
  });

  it("a health port already in use: it fails before it has acted at all", async () => {
    scene = new Scene();
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const d = spawnDaemon(
        scene.agentArgs(scene.killRules(), {
          extra: ["--schedule", "* * * * * *", "--health-port", String(port)],
        }),
      );
      const { code } = await d.exited;
      expect(code).toBe(2); // the command line's --health-port, not a bug
      expect(d.events.map((e) => e.event)).not.toContain("run");
      expect(existsSync(scene.stateDir)).toBe(false);
    } finally {
      busy.close();
    }
  });
});
