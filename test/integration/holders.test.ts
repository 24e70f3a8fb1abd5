// The `holds` selector on real processes: two orphans of the scene's token interpreter with the
// same argv, one holding a token-named file open (a stand-in for /dev/nvidia0: no GPU device
// node exists on the test machine, and the test creates none in the host's /dev), the other
// holding nothing. A rule scoped to the token path and the token file kills the first and spares
// the second, and the plan says why; explain names the file, or says the fds were not read.
// `cleanup status` shows its GPU-holder section (the device path itself is exercised on a
// fixture /proc: test/unit/run/status-gpu.test.ts). The scene SIGKILLs what it started, by pid
// and start time, in afterEach.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Scene } from "../helpers/scene.js";

let scene: Scene;
afterEach(() => scene?.cleanup());

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface Entry {
  rule: string;
  process: { pid: number };
  facts: string[];
}
interface Spared {
  rule: string;
  process: { pid: number };
  code: string;
  reasons: string[];
}

describe("holds: processes holding a file open", () => {
  it("kills the orphan holding the token file, spares the same argv holding nothing, and says why", async () => {
    scene = new Scene();
    const file = join(scene.dir, `fake-nvidia-${scene.token}`);
    writeFileSync(file, "");
    const holding = await scene.holder("holding", file);
    const idle = await scene.holder("idle", null);
    const argv = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8");
    expect(argv(holding)).toBe(argv(idle));

    const rules = (conditions: string) =>
      scene.rules(
        `
thresholds: { memory: false, cpu: false, disk: false }
rules:
  - name: token-holders
    match:
      cmdline: '^${scene.pattern} \\S*holder\\.py$'
      holds: '^${escape(file)}$'
${conditions}
    action: kill
    grace: 2s
`,
        `rules-${conditions.length}.yaml`,
      );
    const config = rules("      orphaned: true");

    const dry = await scene.run(config, { dryRun: true, json: true });
    expect(dry.code).toBe(0);
    const entries = dry.json!.plan.entries as Entry[];
    expect(entries.map((e) => [e.process.pid, e.facts])).toEqual([
      [
        holding,
        [
          `cmdline matches /^${scene.pattern} \\S*holder\\.py$/`,
          `holds ${file}`,
          expect.stringMatching(/^orphaned \(parent \d+/),
        ],
      ],
    ]);
    const spared = dry.json!.plan.spared as Spared[];
    expect(spared).toEqual([
      {
        rule: "token-holders",
        process: expect.objectContaining({ pid: idle }),
        code: "not-holding",
        reasons: [
          expect.stringMatching(
            new RegExp(
              `^holds no open file matching /\\^${escape(escape(file))}\\$/ \\(\\d+ open fds\\)$`,
            ),
          ),
        ],
      },
    ]);
    // The text report says the same.
    const text = await scene.run(config, { dryRun: true });
    expect(text.stdout).toContain(`holds ${file}`);
    expect(text.stdout).toMatch(/holds no open file matching/);

    // explain: the fact names the file; the other is spared for not holding it.
    const explained = await scene.runAgent([
      "explain",
      String(holding),
      String(idle),
      "--config",
      config,
      "--json",
    ]);
    expect(explained.code).toBe(0);
    const [h, i] = explained.json!.processes;
    expect(h.rules[0]).toMatchObject({ outcome: "acts" });
    expect(h.rules[0].selector).toContainEqual({
      field: "holds",
      matched: true,
      detail: `holds ${file}`,
    });
    expect(i.rules[0]).toMatchObject({ outcome: "spared", code: "not-holding" });

    // A condition neither meets (age): their fds are never read, and explain says so.
    const old = rules("      orphaned: true\n      older_than: 30d");
    const unread = await scene.runAgent(["explain", String(holding), "--config", old, "--json"]);
    expect(unread.code).toBe(0);
    const rule = unread.json!.processes[0].rules[0];
    expect(rule).toMatchObject({ outcome: "spared", code: "too-young" });
    expect(rule.selector).toContainEqual({
      field: "holds",
      matched: false,
      detail: "open files not read: it failed an earlier test",
    });

    // The live run kills exactly the holder.
    const live = await scene.run(config, { json: true });
    expect(live.code).toBe(0);
    const results = live.json!.results as { pid: number; outcome: string }[];
    expect(results.map((r) => r.pid)).toEqual([holding]);
    expect(["terminated", "killed"]).toContain(results[0]!.outcome);
    expect(scene.alive(holding)).toBe(false);
    expect(scene.alive(idle)).toBe(true);
  });

  it("status shows the orphans holding GPU devices (none of the scene's: a token file is no GPU)", async () => {
    scene = new Scene();
    const file = join(scene.dir, `fake-nvidia-${scene.token}`);
    writeFileSync(file, "");
    const holding = await scene.holder("holding", file);
    const config = scene.rules(`
thresholds: { memory: false, cpu: false, disk: false }
rules: []
`);
    const text = await scene.run(config, { command: "status" });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\nORPHANS HOLDING GPU DEVICES \(\d+ orphans? checked[^\n]*\)\n/);
    const json = await scene.run(config, { command: "status", json: true });
    expect(json.code).toBe(0);
    const gpu = json.json!.gpuHolders as { holders: { pid: number }[]; checked: number };
    expect(gpu.checked).toBeGreaterThan(0);
    expect(gpu.holders.map((x) => x.pid)).not.toContain(holding);
  });
});
