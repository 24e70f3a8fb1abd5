// A local user chooses their own argv, up to ARG_MAX. Here a process started as `nobody` with
// about 1 MB of repeated `uvicorn` tokens: with JavaScript's backtracking engine the bundled
// uvicorn rule took 157 s on it. The dry runs use the bundled rules; the one live run uses a rule
// that matches only this test's interpreter path. Every process is the test's own, ended by pid.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ARGV_EXCERPT_CHARS } from "../../src/shared/argv-excerpt.js";
import { Scene, waitFor } from "../helpers/scene.js";
import { stopChild } from "../helpers/stop-child.js";

const BUNDLED = fileURLToPath(new URL("../../rules.yaml", import.meta.url));
const NOBODY = 65534;
const SLEEP = "import time; time.sleep(120)";

let scene: Scene | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) await stopChild(child);
  scene?.cleanup();
  scene = undefined;
});

/** "uvicorn uvicorn …" in arguments under the kernel's 128 KiB per argument: about `bytes` in all. */
function uvicorns(bytes: number): string[] {
  const perArg = 14_000; // 112,000 bytes with the NUL
  return Array.from({ length: Math.ceil(bytes / (perArg * 8)) }, () =>
    Array.from({ length: perArg }, () => "uvicorn").join(" "),
  );
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1");
  } catch {
    return "";
  }
}

async function start(
  command: string,
  argv: string[],
  marker: string,
  options: { uid?: number; gid?: number } = {},
): Promise<number> {
  const child = spawn(command, argv, { stdio: "ignore", cwd: "/", ...options });
  children.push(child);
  const pid = child.pid!;
  scene!.own(pid);
  await waitFor(`pid ${pid} to exec`, () => cmdlineOf(pid).includes(marker));
  return pid;
}

interface JsonProcess {
  pid: number;
  user: string | null;
  argv: string[];
  argvTruncated?: boolean;
  argvBytes?: number;
}

describe("a 1 MB argv from another user", () => {
  it("a dry run on the bundled rules completes, and reports a marked excerpt", async () => {
    scene = new Scene();
    const token = `hostile-${scene.token}`;
    const big = uvicorns(1_000_000);
    const nobody = { uid: NOBODY, gid: NOBODY };
    // The slow case for a backtracking engine: uvicorn everywhere, --reload nowhere.
    const quiet = await start("python3", ["-c", SLEEP, token, ...big], token, nobody);
    // The same flood after an early --reload: the rule matches, so the plan names it.
    const reload = await start(
      "python3",
      ["-c", SLEEP, token, "uvicorn", "--reload", ...big],
      token,
      nobody,
    );
    expect(cmdlineOf(quiet).length).toBeGreaterThan(1_000_000);

    const run = await scene.run(BUNDLED, { dryRun: true, json: true });
    expect(run.json, run.stderr).toBeDefined();
    const entries = run.json!.plan.entries as { rule: string; process: JsonProcess }[];
    expect(entries.filter((e) => e.process.pid === quiet)).toEqual([]);
    const named = entries.filter((e) => e.process.pid === reload);
    expect(named.map((e) => e.rule)).toEqual(["uvicorn-reload"]);
    const p = named[0]!.process;
    expect(p.user).toBe("nobody");
    expect(p.argv.slice(0, 6)).toEqual(["python3", "-c", SLEEP, token, "uvicorn", "--reload"]);
    expect(p.argv.join(" ").length).toBeLessThanOrEqual(ARGV_EXCERPT_CHARS);
    expect(p.argvTruncated).toBe(true);
    expect(p.argvBytes).toBeGreaterThan(1_000_000);
    // Nothing in the report is the flood itself: at most an excerpt of each process.
    expect(run.stdout).not.toContain("uvicorn ".repeat(ARGV_EXCERPT_CHARS / 8 + 1));

    const text = await scene.run(BUNDLED, { dryRun: true });
    const line = text.stdout.split("\n").find((l) => l.includes(` ${reload} `));
    expect(line, text.stdout).toMatch(/uvicorn-reload: python3 -c .*…\[cut: \d{7} bytes\]$/);
    expect(text.stdout).not.toContain("uvicorn ".repeat(ARGV_EXCERPT_CHARS / 8 + 1));
  }, 60_000);

  it("a live kill's audit line carries the marked excerpt, not the whole argv", async () => {
    scene = new Scene();
    const flood = uvicorns(300_000);
    const pid = await start(scene.python, ["-c", SLEEP, ...flood], scene.token);
    const config = scene.rules(`
rules:
  - name: hostile-argv
    match:
      cmdline: '^${scene.pattern} -c import time'
    action: kill
    grace: 2s
`);
    const run = await scene.run(config, { json: true });

    expect(run.code, run.stderr).toBe(0);
    expect(run.json!.results.map((r: { pid: number }) => r.pid)).toEqual([pid]);
    await waitFor(`pid ${pid} to die`, () => !scene!.alive(pid));

    const audit = readFileSync(join(scene.stateDir, "audit.jsonl"), "utf8");
    expect(audit.length).toBeLessThan(2 * ARGV_EXCERPT_CHARS);
    const lines = audit
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { pid: number; signal: string } & JsonProcess);
    expect(lines.map((l) => [l.pid, l.signal])).toEqual([[pid, "SIGTERM"]]);
    const [line] = lines;
    expect(line!.argv.slice(0, 3)).toEqual([scene.python, "-c", SLEEP]);
    expect(line!.argv.join(" ").length).toBeLessThanOrEqual(ARGV_EXCERPT_CHARS);
    expect(line!.argvTruncated).toBe(true);
    expect(line!.argvBytes).toBeGreaterThan(300_000);
  }, 60_000);
});
