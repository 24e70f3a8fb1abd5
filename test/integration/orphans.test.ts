// Real processes, real signals. Every rule here matches only the scene's own interpreter path
// (a random token), and every scene kills what it started, by pid, in afterEach.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Scene } from "../helpers/scene.js";

let scene: Scene;
afterEach(() => scene?.cleanup());

const MP = ` -c from multiprocessing\\.(spawn|resource_tracker) import `;

function auditLines(s: Scene): { pid: number; signal: string; outcome: string; rule: string }[] {
  const path = join(s.stateDir, "audit.jsonl");
  return existsSync(path)
    ? readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
    : [];
}

describe("cleanup on real orphans", () => {
  it("kills a dead parent's pool workers and resource_tracker; leaves a live pool alone", async () => {
    scene = new Scene();
    const dead = await scene.pool("dead", 2, true);
    const live = await scene.pool("live", 2, false);
    const config = scene.killRules({ match: `.*${MP}` });

    const run = await scene.run(config, { json: true });
    expect(run.code).toBe(0);
    // With --json the log sink writes to stderr: JSON lines, one per notification (the kills).
    // The default host thresholds apply too: on a saturated machine a CPU alert joins them.
    const logged = run.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { key: string; status: string })
      .filter((n) => !n.key.startsWith("threshold:"));
    expect(logged).toMatchObject([{ key: "killed:scene-orphans", status: "event" }]);
    const orphans = [...dead.workers, dead.tracker];
    const killed = run.json!.results.map((r: { pid: number; outcome: string }) => [
      r.pid,
      r.outcome,
    ]);
    expect(killed.map(([pid]: [number]) => pid).sort()).toEqual([...orphans].sort());
    for (const [, outcome] of killed) expect(["terminated", "killed"]).toContain(outcome);
    for (const pid of orphans) expect(scene.alive(pid)).toBe(false);

    for (const pid of [live.parent, ...live.workers, live.tracker])
      expect(scene.alive(pid)).toBe(true);
    const spared = run.json!.plan.spared.filter((s: { process: { pid: number } }) =>
      live.workers.includes(s.process.pid),
    );
    expect(spared).toHaveLength(2);
    for (const s of spared)
      expect(s).toMatchObject({
        code: "parent-alive",
        reasons: [`parent alive (parent ${live.parent} ${s.process.comm})`],
      });

    // Every signal is in the audit log with the process's identity and argv.
    const audit = auditLines(scene);
    expect(audit.map((a) => a.pid).sort()).toEqual([...orphans].sort());
    for (const a of audit)
      expect(a).toMatchObject({ signal: "SIGTERM", outcome: "sent", rule: "scene-orphans" });
  });

  it("an orphan that ignores SIGTERM is dead by SIGKILL after the grace", async () => {
    scene = new Scene();
    const stubborn = await scene.orphan("stubborn", "--ignore-term");
    const config = scene.killRules(); // grace 2s
    const run = await scene.run(config, { json: true });
    expect(run.code).toBe(0);
    const [result] = run.json!.results;
    expect(result).toMatchObject({
      pid: stubborn.pid,
      outcome: "killed",
      signals: ["SIGTERM", "SIGKILL"],
    });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(2000);
    expect(scene.alive(stubborn.pid)).toBe(false);
    expect(auditLines(scene).map((a) => a.signal)).toEqual(["SIGTERM", "SIGKILL"]);
  });

  it("an orphan younger than older_than is spared; the dry run says why, the live run how many it did not read", async () => {
    scene = new Scene();
    const young = await scene.orphan("young");
    const config = scene.rules(`
rules:
  - name: old-orphans
    match: { cmdline: '^${scene.pattern} ', orphaned: true, older_than: 1h }
    action: kill
`);
    // Live: too young on its stat alone, so its command line is not read, nor listed as spared.
    const live = await scene.run(config, { json: true });
    expect(live.code).toBe(0);
    expect(live.json!.results).toEqual([]);
    expect(live.json!.plan.spared).toEqual([]);
    expect(live.json!.scan.notDetailed).toBeGreaterThanOrEqual(1);
    expect(scene.alive(young.pid)).toBe(true);

    const run = await scene.run(config, { json: true, dryRun: true });
    expect(run.code).toBe(0);
    expect(run.json!.results).toEqual([]);
    expect(run.json!.scan.notDetailed).toBeUndefined();
    const [spared] = run.json!.plan.spared;
    expect(spared).toMatchObject({
      rule: "old-orphans",
      code: "too-young",
      process: { pid: young.pid },
    });
    expect(spared.reasons[0]).toMatch(/^too young \(age \d+s < 1h\)$/);
    expect(scene.alive(young.pid)).toBe(true);
    expect(run.stdout).toBe(`${JSON.stringify(run.json)}\n`);
  });

  it("an orphan with children: the whole tree is gone", async () => {
    scene = new Scene();
    const root = await scene.orphan("tree", "--children", "2");
    const config = scene.killRules({ match: `\\S*orphan\\.py \\S+ --children` });
    const run = await scene.run(config, { json: true });
    expect(run.code).toBe(0);
    const tree = [root.pid, ...root.children, ...root.grandchildren];
    expect(run.json!.results.map((r: { pid: number }) => r.pid).sort()).toEqual([...tree].sort());
    const entries = run.json!.plan.entries;
    for (const e of entries.filter(
      (x: { process: { pid: number } }) => x.process.pid !== root.pid,
    )) {
      expect(e.kill.treeOf).toBe(root.pid);
    }
    for (const pid of tree) expect(scene.alive(pid)).toBe(false);
  });

  it("--dry-run on the same scene: nothing signalled, all alive, nothing written", async () => {
    scene = new Scene();
    const dead = await scene.pool("dead", 2, true);
    const stubborn = await scene.orphan("stubborn", "--ignore-term");
    const config = scene.killRules();
    const run = await scene.run(config, { dryRun: true, json: true });
    expect(run.code).toBe(0);
    const targets = [...dead.workers, dead.tracker, stubborn.pid];
    expect(run.json!.results.map((r: { pid: number }) => r.pid).sort()).toEqual(
      [...targets].sort(),
    );
    for (const r of run.json!.results) expect(r.outcome).toBe("would-kill");
    for (const pid of targets) expect(scene.alive(pid)).toBe(true);
    expect(existsSync(scene.stateDir)).toBe(false);

    const text = await scene.run(config, { dryRun: true });
    expect(text.stdout).toContain("dry run: nothing will be signalled");
    expect(text.stdout).toContain(`WOULD KILL (${targets.length})`);
    expect(text.stdout).toContain(`summary: would kill ${targets.length}`);
    expect(existsSync(scene.stateDir)).toBe(false);
    for (const pid of targets) expect(scene.alive(pid)).toBe(true);
  });

  it("two runs at once: one acts, the other finds the lock and does nothing", async () => {
    scene = new Scene();
    const stubborn = await scene.orphan("stubborn", "--ignore-term");
    const config = scene.killRules();
    const run = () => scene.run(config, { json: true });
    const [a, b] = await Promise.all([run(), run()]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 5]);
    const acted = a.code === 0 ? a : b;
    const waited = a.code === 0 ? b : a;
    expect(acted.json!.results).toMatchObject([{ pid: stubborn.pid, outcome: "killed" }]);
    expect(waited.json).toMatchObject({
      outcome: "busy",
      results: [],
      lockHolder: { pid: expect.any(Number) },
    });
    expect(auditLines(scene).filter((l) => l.signal === "SIGTERM")).toHaveLength(1);
    expect(scene.alive(stubborn.pid)).toBe(false);
  });

  it("four runs at once on a crashed run's stale lock: exactly one acts, the others exit 5", async () => {
    scene = new Scene();
    const stubborn = await scene.orphan("stubborn", "--ignore-term");
    mkdirSync(scene.stateDir, { recursive: true });
    // A lock whose holder is gone: our own pid with a start time it never had.
    writeFileSync(
      join(scene.stateDir, "cleanup.lock"),
      JSON.stringify({ pid: process.pid, startTicks: 1, since: "earlier" }),
    );
    const config = scene.killRules();
    const runs = await Promise.all([1, 2, 3, 4].map(() => scene.run(config, { json: true })));

    expect(runs.map((r) => r.code).sort()).toEqual([0, 5, 5, 5]);
    expect(runs.find((r) => r.code === 0)!.json!.results).toMatchObject([
      { pid: stubborn.pid, outcome: "killed" },
    ]);
    expect(auditLines(scene).filter((l) => l.signal === "SIGTERM")).toHaveLength(1);
    expect(scene.alive(stubborn.pid)).toBe(false);
  });
});
