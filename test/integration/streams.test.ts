// stdout carries the report only; every other line (the log sink's notifications, a run's
// warnings, the daemon's events) is on stderr, in the one log shape, with no priority prefix
// where stderr is no journald stream. The built agent, live on the scene's own orphans (rules
// match only the scene's token), stdout and stderr captured apart, as cron or a pipe sees them.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { killDaemons, spawnDaemon } from "../helpers/daemon.js";
import { logLines, type LogLine } from "../helpers/log-lines.js";
import { Scene, waitFor } from "../helpers/scene.js";

let scene: Scene;
afterEach(() => {
  killDaemons();
  scene?.cleanup();
});

/** Every stderr line is a log line of the one shape (nothing else, no `<N>` off journald). */
function onlyLogLines(stderr: string): LogLine[] {
  const lines = stderr.split("\n").filter((l) => l !== "");
  for (const line of lines) expect(line, "a stderr line").toMatch(/^\{"level":"[a-z]+","time":"/);
  const parsed = logLines(stderr);
  expect(parsed).toHaveLength(lines.length);
  for (const l of parsed) {
    expect(["error", "warn", "notice", "info", "debug"]).toContain(l.level);
    expect(l.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(typeof l.summary).toBe("string");
  }
  return parsed;
}

/** A scene with an orphan to kill and a corrupt alert state (a warning to give). */
async function prepared(): Promise<string> {
  scene = new Scene();
  await scene.orphan("o");
  mkdirSync(scene.stateDir, { recursive: true });
  writeFileSync(join(scene.stateDir, "alerts.json"), "");
  return scene.killRules({ quiet: true });
}

function expectKillAndWarning(lines: LogLine[]): void {
  expect(lines.find((l) => l.key === "killed:scene-orphans")).toMatchObject({
    level: "notice",
    status: "event",
  });
  const warning = lines.find((l) => l.event === "state-problem");
  expect(warning?.level).toBe("warn");
  expect(warning?.summary).toMatch(/^state file .*alerts\.json: .*the file is empty/);
}

describe("stdout: the report; stderr: the log lines", () => {
  it("--json: stdout is one JSON document, stderr the kill (notice) and the warning", async () => {
    const config = await prepared();
    const run = await scene.run(config, { json: true });
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { results: unknown[]; stateProblems: string[] };
    expect(doc.results).toHaveLength(1);
    // The document still records the problem as data.
    expect(doc.stateProblems.join("\n")).toMatch(/alerts\.json/);
    expectKillAndWarning(onlyLogLines(run.stderr));
  });

  it("text: stdout is the table alone (no JSON line, no warning line), stderr the log lines", async () => {
    const config = await prepared();
    const run = await scene.run(config);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.startsWith("cleanup: live run; config ")).toBe(true);
    expect(run.stdout).toContain("KILL (1)");
    expect(run.stdout).toMatch(/NOTIFICATIONS \(1\)/);
    for (const line of run.stdout.split("\n")) {
      expect(line.startsWith("{")).toBe(false);
      expect(line.startsWith("warning:")).toBe(false);
    }
    expectKillAndWarning(onlyLogLines(run.stderr));
  });

  it("--format nagios: stdout is the one plugin line", async () => {
    const config = await prepared();
    const run = await scene.run(config, { extra: ["--format", "nagios"] });
    expect(run.stdout).toMatch(/^CLEANUP [A-Z]+ - [^\n]*\n$/);
    expectKillAndWarning(onlyLogLines(run.stderr));
  });

  it("the daemon: nothing on stdout; its events and its runs' log lines in the one shape on stderr", async () => {
    scene = new Scene();
    await scene.orphan("o");
    const config = scene.killRules({ quiet: true, grace: "1s" });
    const d = spawnDaemon(scene.agentArgs(config, { extra: ["--schedule", "* * * * * *"] }));
    let stdout = "";
    let stderr = "";
    d.child.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    d.child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    await waitFor("a run that killed", () => d.events.some((e) => e.event === "run"), 60_000);
    d.child.kill("SIGTERM"); // our own child
    const { code } = await d.exited;
    expect(code).toBe(0);
    expect(stdout).toBe("");
    const lines = onlyLogLines(stderr);
    expect(lines.find((l) => l.event === "started")).toMatchObject({ level: "info" });
    expect(lines.find((l) => l.key === "killed:scene-orphans")).toMatchObject({ level: "notice" });
    expect(lines.find((l) => l.event === "run" && l.killed === 1)).toMatchObject({
      level: "notice",
      outcome: "ok",
    });
    expect(lines.at(-1)).toMatchObject({
      level: "info",
      event: "stopped",
      summary: "daemon stopped",
    });
  }, 90_000);
});
