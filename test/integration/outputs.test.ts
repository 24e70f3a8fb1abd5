// The binary's monitoring outputs: `--format nagios` (plugin line and exit codes) and
// `--textfile DIR` (node_exporter's textfile collector). Rules match only the scene's token.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Scene } from "../helpers/scene.js";

let scene: Scene;
afterEach(() => scene?.cleanup());

describe("monitoring outputs", () => {
  it("--dry-run --format nagios: one status line with perfdata, WARNING (1) for orphans found", async () => {
    scene = new Scene();
    await scene.orphan("o");
    const config = scene.killRules({ quiet: true });

    const run = await scene.run(config, { dryRun: true, extra: ["--format", "nagios"] });
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^CLEANUP WARNING - .*1 orphan would be killed.* \| .*orphans=1;;;0/);
  });

  // In nagios mode every error is UNKNOWN (3), the plugin convention: still one line.
  it.each<[string, (s: Scene) => string[], RegExp]>([
    [
      "--format nagios on a broken config",
      (s) => [
        "--format",
        "nagios",
        "--config",
        s.rules("rules: [{ name: x, action: kil, match: { comm: x } }]\n"),
      ],
      /^CLEANUP UNKNOWN - .*unknown action.*\n$/,
    ],
    [
      "--json and --format nagios together (a usage error)",
      (s) => ["--json", "--format", "nagios", "--config", s.killRules()],
      /^CLEANUP UNKNOWN - .*contradict/,
    ],
  ])("%s: UNKNOWN (3)", async (_name, args, line) => {
    scene = new Scene();
    const run = await scene.runAgent(args(scene));
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(line);
  });

  it("--textfile DIR: the run's metrics for node_exporter, written atomically", async () => {
    scene = new Scene();
    await scene.orphan("o");
    const dir = join(scene.dir, "textfile");
    mkdirSync(dir);
    const config = scene.killRules();
    const run = await scene.run(config, { dryRun: true, extra: ["--textfile", dir] });

    expect(run.code).toBe(0);
    const text = readFileSync(join(dir, "cleanup.prom"), "utf8");
    expect(text).toContain('cleanup_orphans_found{rule="scene-orphans"} 1');
    expect(text).toMatch(/^cleanup_last_run_timestamp_seconds \d+/m);
    // A dry run acted on nothing: no "last success" from it.
    expect(text).not.toMatch(/^cleanup_last_success_timestamp_seconds/m);
    expect(text.endsWith("\n")).toBe(true);
  });
});
