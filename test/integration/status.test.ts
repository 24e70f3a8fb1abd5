// `cleanup status`, state across runs and pressure-aware rules, on the real host. Every rule
// matches only the scene's own token path; every scene kills what it started, by pid.
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { warnings } from "../helpers/log-lines.js";
import { Scene } from "../helpers/scene.js";

let scene: Scene;
afterEach(() => scene?.cleanup());

describe("cleanup status", () => {
  it("shows host metrics against thresholds, what a run would do, the largest processes; signals nothing", async () => {
    scene = new Scene();
    const orphan = await scene.orphan("o");
    const config = scene.killRules();
    const text = await scene.run(config, { command: "status" });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^HOST$/m);
    expect(text.stdout).toMatch(/^ {2}memory +\d+\.\d% +(OK|WARN|CRITICAL) /m);
    expect(text.stdout).toMatch(/^ {2}disk \/ +\d+\.\d%/m);
    expect(text.stdout).toContain("a run now would kill 1");
    expect(text.stdout).toContain(`${orphan.pid}`);
    expect(text.stdout).toMatch(/LARGEST PROCESSES/);
    expect(text.stdout).toContain(`LAST RUN\n  none recorded in ${scene.stateDir}`);
    expect(text.stdout).not.toContain("\u001b["); // no colour when stdout is not a terminal

    const json = await scene.run(config, { command: "status", json: true });
    const host = json.json!.host;
    expect(host.memory.usedPercent).toBeGreaterThanOrEqual(0);
    expect(host.memory.usedPercent).toBeLessThanOrEqual(100);
    expect(host.cpu).toMatchObject({ source: "sample" });
    // How long the sample spans depends on the machine's load; that it was measured does not.
    expect(host.cpu.intervalMs).toBeGreaterThan(0);
    expect(json.json!.thresholds.map((t: { key: string }) => t.key)).toEqual([
      "memory",
      "cpu",
      "disk:/",
      "disk-inodes:/",
    ]);
    expect(json.json!.top.length).toBeGreaterThan(0);
    expect(json.json!.results).toEqual([
      {
        pid: orphan.pid,
        startTicks: expect.any(Number),
        rule: "scene-orphans",
        outcome: "would-kill",
        signals: [],
      },
    ]);
    expect(scene.alive(orphan.pid)).toBe(true);
    expect(existsSync(scene.stateDir)).toBe(false);
  });

  it("state across runs: CPU since the previous run, and the last run in status", async () => {
    scene = new Scene();
    const config = scene.killRules();
    const first = await scene.run(config, { json: true });
    expect(first.json!.host.cpu.source).toBe("sample");
    expect(readdirSync(scene.stateDir).sort()).toEqual([
      "alerts.json",
      "audit.jsonl",
      "cpu.json",
      "last-run.json",
      "outbox.json",
    ]);
    const second = await scene.run(config, { json: true });
    expect(second.json!.host.cpu.source).toBe("previous-run");
    expect(second.json!.host.cpu.intervalMs).toBeGreaterThan(0);
    const status = await scene.run(config, { command: "status" });
    expect(status.stdout).toMatch(/LAST RUN\n {2}\d{4}-\d\d-\d\dT[\d:.]+Z: ok; killed 0, failed 0/);
  });

  it.each([
    ["cpu.json", '{"version":1,"bootId":"x","takenAt', /not JSON/],
    ["alerts.json", "", /not JSON .*the file is empty/],
    ["outbox.json", '{"version":7,"pending":{}}', /schema version 7, expected 1/],
  ])(
    "a corrupt %s: the run goes on, says so, and keeps the bad file",
    async (name, bad, problem) => {
      scene = new Scene();
      mkdirSync(scene.stateDir, { recursive: true });
      writeFileSync(join(scene.stateDir, name), bad);
      const run = await scene.run(scene.killRules());
      expect(run.code).toBe(0);
      const escaped = name.replace(".", "\\.");
      // A warning: a log line on stderr, not part of the report.
      const warned = warnings(run.stderr);
      expect(warned).toMatch(
        new RegExp(`^state file .*${escaped}: .*; set aside as .*${escaped}\\.corrupt-`, "m"),
      );
      expect(warned).toMatch(problem);
      const kept = readdirSync(scene.stateDir).find((f) => f.startsWith(`${name}.corrupt-`))!;
      expect(readFileSync(join(scene.stateDir, kept), "utf8")).toBe(bad);
      // A fresh file was written for the next run.
      expect(JSON.parse(readFileSync(join(scene.stateDir, name), "utf8")).version).toBe(1);
    },
  );
});

describe("pressure-aware rules on the real host", () => {
  it("a rule with `when` applies only at its level; thresholds raise alerts with value and limit", async () => {
    scene = new Scene();
    const orphan = await scene.orphan("o");
    // Memory in use is surely ≥ 0.1% and < 100%: warn, never critical.
    const rules = (level: string) =>
      scene.rules(
        `
thresholds:
  memory: { warn: 0.1%, critical: 100% }
rules:
  - name: under-pressure
    when: { memory: ${level} }
    match: { cmdline: '^${scene.pattern} ', orphaned: true }
    action: kill
    grace: 2s
`,
        `${level}.yaml`,
      );
    const atCritical = await scene.run(rules("critical"));
    expect(atCritical.code).toBe(0);
    // Inactive is the normal case on a calm host: a run's text says it with --verbose only.
    expect(atCritical.stdout).not.toContain("inactive");
    const inactive = "rule under-pressure inactive: memory is warn, rule needs critical";
    const verbose = await scene.run(rules("critical"), { extra: ["--verbose"] });
    expect(verbose.code).toBe(0);
    expect(verbose.stdout.split("\n")).toContain(inactive);
    const status = await scene.runAgent([
      "status",
      "--config",
      rules("critical"),
      "--state-dir",
      scene.stateDir,
    ]);
    expect(status.code).toBe(0);
    expect(status.stdout.split("\n")).toContain(`  ${inactive}`);
    expect(atCritical.stdout).toMatch(
      /ALERT \(warning\) memory in use \d+\.\d%: warn \(warn 0\.1%, critical 100%\)/,
    );
    expect(scene.alive(orphan.pid)).toBe(true);

    const atWarn = await scene.run(rules("warn"), { json: true });

    expect(atWarn.json!.results).toMatchObject([{ pid: orphan.pid, outcome: "terminated" }]);
    expect(atWarn.json!.plan.entries[0].facts).toContain("memory at warn or worse");
    expect(scene.alive(orphan.pid)).toBe(false);
  });
});
