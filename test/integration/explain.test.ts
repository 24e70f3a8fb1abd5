// `cleanup explain PID…` on real processes this test starts. Every rule, protect entry and
// service matches only the scene's own interpreter path (a random token); the scene kills what
// it started, by pid, in afterEach. explain itself must signal nothing and write nothing.
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../helpers/receivers.js";
import { deadPid, Scene } from "../helpers/scene.js";

let scene: Scene;
afterEach(() => scene?.cleanup());

const MP = String.raw` -c from multiprocessing\.(spawn|resource_tracker) import `;

/** Token-scoped rules: kill orphans, kill anything older than 1h, protect the trackers. */
function explainRules(s: Scene): string {
  return s.rules(`
thresholds: { memory: false, cpu: false, disk: false }
settings: { state_dir: '${s.stateDir}' }
protect:
  - cmdline: '^${s.pattern} .* -c from multiprocessing\\.resource_tracker import '
rules:
  - name: scene-orphans
    match:
      cmdline: '^${s.pattern} .*${MP}'
      orphaned: true
    action: kill
  - name: scene-old
    match:
      cmdline: '^${s.pattern} '
      older_than: 1h
    action: kill
services:
  - name: scene-server
    match: { cmdline: '^${s.pattern} .*server\\.py ' }
`);
}

interface RuleJson {
  rule: string;
  outcome: string;
  code?: string;
  reasons: string[];
}
interface ProcessJson {
  pid: number;
  found: boolean;
  rules: RuleJson[];
  protection: { reason: string | null };
  listening: { port: number }[] | null;
  services: { service: string; role: string }[];
}

const verdict = (p: ProcessJson, rule: string): RuleJson => p.rules.find((r) => r.rule === rule)!;

describe("cleanup explain", () => {
  it("explains an orphan, a live parent's worker, a protected tracker and a server; signals nothing", async () => {
    scene = new Scene();
    const dead = await scene.pool("dead", 1, true);
    const live = await scene.pool("live", 1, false);
    const port = await freePort();
    const server = await scene.server("server", port, false);
    const config = explainRules(scene);
    const orphan = dead.workers[0]!;
    const worker = live.workers[0]!;
    const gone = deadPid();
    const pids = [orphan, worker, dead.tracker, server, gone].map(String);

    const json = await scene.runAgent(["explain", ...pids, "--config", config, "--json"]);
    expect(json.stderr).toBe("");
    // A pid that is no such process: reported, the others explained, exit 1.
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { outcome: string; processes: ProcessJson[] };
    expect(report.outcome).toBe("missing");
    const [o, w, t, srv, missing] = report.processes as [
      ProcessJson,
      ProcessJson,
      ProcessJson,
      ProcessJson,
      ProcessJson,
    ];
    expect(missing).toEqual({ pid: gone, found: false });

    expect(verdict(o, "scene-orphans")).toMatchObject({ outcome: "acts" });
    expect(verdict(o, "scene-orphans").reasons.join("; ")).toMatch(/orphaned \(parent \d+/);
    // Too young for the other rule, which the plan would not list: explain still says why.
    expect(verdict(o, "scene-old")).toMatchObject({ outcome: "spared", code: "too-young" });
    expect(verdict(o, "scene-old").reasons).toContain("rule scene-orphans kills it");

    expect(verdict(w, "scene-orphans")).toMatchObject({
      outcome: "spared",
      code: "parent-alive",
      reasons: [expect.stringMatching(new RegExp(`^parent alive \\(parent ${live.parent} `))],
    });
    expect(verdict(w, "scene-old")).toMatchObject({ outcome: "spared", code: "too-young" });

    expect(t.protection.reason).toBe("listed in protect[0]");
    expect(verdict(t, "scene-orphans")).toMatchObject({
      outcome: "spared",
      code: "protected",
      reasons: ["protected: listed in protect[0]"],
    });

    expect(srv.listening?.map((l) => l.port)).toContain(port);
    expect(srv.services).toEqual([
      { service: "scene-server", role: "instance", instance: server, pidFiles: [] },
    ]);
    expect(verdict(srv, "scene-orphans")).toMatchObject({ outcome: "not-matched" });

    const text = await scene.runAgent(
      ["explain", orphan, worker].map(String).concat("--config", config),
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`pid ${orphan}  `);
    expect(text.stdout).toMatch(/scene-orphans \(kill\): WOULD KILL — .*orphaned \(parent \d+/);
    expect(text.stdout).toMatch(
      new RegExp(
        `scene-orphans \\(kill\\): spared \\(parent-alive\\) — parent alive \\(parent ${live.parent} `,
      ),
    );
    expect(text.stdout).toMatch(/scene-old \(kill\): spared \(too-young\) — too young \(age /);
    expect(text.stdout).toContain("nothing was signalled");

    // Nothing was signalled and nothing written: every process lives, no state directory.
    for (const pid of [orphan, worker, dead.tracker, live.parent, live.tracker, server])
      expect(scene.alive(pid)).toBe(true);
    expect(existsSync(scene.stateDir)).toBe(false);
  });

  it("refuses a command line without a pid (exit 2)", async () => {
    scene = new Scene();
    const run = await scene.runAgent(["explain", "--config", explainRules(scene)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cleanup explain needs one or more process ids");
    const bad = await scene.runAgent(["explain", "12x", "--config", explainRules(scene)]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("got 12x");
  });
});
