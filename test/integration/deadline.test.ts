// settings.run_deadline on real processes: a kill rule whose grace (10m) outlasts the run's
// deadline, against the scene's own SIGTERM-ignoring orphan. The run must stop at its deadline
// without escalating to SIGKILL, say so everywhere, release the lock and exit 7. Only the
// scene's processes (its token'd interpreter path) are ever matched; the scene kills them after.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { longGraceRules } from "../helpers/long-grace.js";
import { Scene } from "../helpers/scene.js";

let scene: Scene;
afterEach(() => scene?.cleanup());

describe("run_deadline", () => {
  it("a grace that outlasts the run: SIGTERM only, no SIGKILL, exit 7, lock released, recorded", async () => {
    scene = new Scene();
    const stubborn = await scene.orphan("stubborn", "--ignore-term");
    const config = longGraceRules(scene, "5s");
    const started = performance.now();
    const run = await scene.run(config, { json: true });
    const tookMs = performance.now() - started;

    expect(run.code, run.stderr).toBe(7);
    // 5 s of deadline, then the run ends; far from the grace's 10 minutes whatever the load.
    expect(tookMs).toBeLessThan(60_000);
    // No SIGKILL: the target is still alive (the scene kills it in afterEach).
    expect(scene.alive(stubborn.pid)).toBe(true);

    const json = run.json!;
    expect(json.outcome).toBe("deadline");
    expect(json.exitCode).toBe(7);
    expect(json.results).toMatchObject([
      { pid: stubborn.pid, rule: "scene-orphans", outcome: "deadline", signals: ["SIGTERM"] },
    ]);
    expect(json.results[0].detail).toContain("no SIGKILL sent");
    expect(json.deadline).toMatchObject({ limitMs: 5_000, stage: "signals" });
    expect(json.deadline.notDone.join("\n")).toContain(`no SIGKILL to pid ${stubborn.pid}`);

    // The audit log: the SIGTERM sent, the SIGKILL not sent, and the run's own line.
    const audit = readFileSync(join(scene.stateDir, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toMatchObject([
      { pid: stubborn.pid, signal: "SIGTERM", outcome: "sent" },
      { pid: stubborn.pid, signal: "SIGKILL", outcome: "deadline" },
      { pid: 0, rule: "run", outcome: "deadline" },
    ]);
    expect(audit[2]!.detail).toContain("run deadline (5000 ms) passed before signals");

    // The last-run state says why; the lock is gone.
    const lastRun = JSON.parse(readFileSync(join(scene.stateDir, "last-run.json"), "utf8"));
    expect(lastRun).toMatchObject({ outcome: "deadline" });
    expect(lastRun.deadline).toContain("not done: no SIGKILL");
    expect(existsSync(join(scene.stateDir, "cleanup.lock"))).toBe(false);

    // The next run is not "busy": it takes the lock and signals again (and stops again).
    const next = await scene.run(config);
    expect(next.code, next.stderr).toBe(7);
    expect(next.stdout).toContain(
      "DEADLINE: the run passed its deadline (settings.run_deadline 5s)",
    );
    expect(scene.alive(stubborn.pid)).toBe(true);

    // `cleanup status` shows it too.
    const status = await scene.run(config, { command: "status" });

    expect(status.code).toBe(0);
    expect(status.stdout).toContain("deadline");
    expect(status.stdout).toContain("run deadline (5000 ms) passed before signals");
  }, 150_000);

  it.each(["1s", "10m"])(
    "a deadline out of bounds (%s) is a config error that names the key",
    async (value) => {
      scene = new Scene();
      const run = await scene.runAgent(["check", "--config", longGraceRules(scene, value)]);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain("settings.run_deadline");
      expect(run.stderr).toContain("expected from 3s to 4m");
    },
  );
});
