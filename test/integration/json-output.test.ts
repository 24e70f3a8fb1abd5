// Every JSON document the built agent prints, validated against the shipped report.schema.json:
// a dry run, a live run that kills the scene's orphan, status, a run stopped by its deadline,
// port (shown, would free, refused, freed), explain, a run and a port --free that find the lock held, and
// the error documents. Every rule and service matches only the scene's own interpreter path (a
// random token); the scene kills what it started, by pid.
import Ajv from "ajv";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { jsonOutput } from "../../src/report/schema/json-schema.js";
import { longGraceRules } from "../helpers/long-grace.js";
import { freePort } from "../helpers/receivers.js";
import { deadPid, Scene, startTicksOf, type AgentRun } from "../helpers/scene.js";

const SCHEMA = JSON.parse(
  readFileSync(new URL("../../report.schema.json", import.meta.url), "utf8"),
) as object;
const validate = new Ajv({ allErrors: true }).compile(SCHEMA);

/** The run printed one document of this format, and the shipped schema (and its source) accept it. */
function document(run: AgentRun, format: string): NonNullable<AgentRun["json"]> {
  expect(run.json, `no JSON on stdout (exit ${run.code}):\n${run.stderr}`).toBeDefined();
  const json = run.json!;
  expect(Object.keys(json)[0]).toBe("format");
  expect(json.format).toBe(format);
  expect(validate(json), JSON.stringify(validate.errors, null, 2)).toBe(true);
  // The zod schemas the file is generated from agree.
  expect(jsonOutput.safeParse(json).error).toBeUndefined();
  expect(json.exitCode).toBe(run.code);
  return json;
}

let scene: Scene;
afterEach(() => scene?.cleanup());

/**
 * A kill rule for the scene's orphans, a service (the scene's server: PID files, a health
 * probe), a log sink; thresholds no host reaches, so that only the scene decides the outcome.
 */
function sceneRules(s: Scene, port: number): string {
  return s.rules(`
thresholds:
  memory: { warn: 100%, critical: 100% }
  swap: { warn: 100%, critical: 100% }
  cpu: { warn: 100%, critical: 100% }
  load: { warn: 100000, critical: 100000 }
  disk: { warn: 100%, critical: 100%, mounts: [/] }
alerts:
  sinks: [{ name: scene-log, type: log }]
rules:
  - name: scene-orphans
    match: { cmdline: '^${s.pattern} ', orphaned: true }
    action: kill
    grace: 2s
services:
  - name: scene-server
    match: { cmdline: '^${s.pattern} .*server\\.py ' }
    pid_files: ['pids/*.pid']
    remove_stale_pid_files: true
    health: { url: 'http://127.0.0.1:${port}/health', timeout: 10s }
`);
}

// Each case runs the agent several times (port: four runs, each reading every process's fds): on a
// saturated host with 10,000 processes one case took over 30 s, so the bound is the test's own.
describe("JSON output against report.schema.json", { timeout: 180_000 }, () => {
  it("a dry run, a live run that kills, and status: cleanup.run/1", async () => {
    scene = new Scene();
    const orphan = await scene.orphan("o");
    const port = await freePort();
    const server = await scene.server("svc", port, false);
    const pids = join(scene.dir, "pids");
    mkdirSync(pids);
    writeFileSync(join(pids, "server.pid"), `${server}\n`);
    writeFileSync(join(pids, "dead.pid"), `${deadPid()}\n`);
    const config = sceneRules(scene, port);

    const dry = document(await scene.run(config, { dryRun: true, json: true }), "cleanup.run/1");
    expect(dry).toMatchObject({ mode: "dry-run", outcome: "ok" });
    expect(dry.results).toMatchObject([{ pid: orphan.pid, outcome: "would-kill" }]);
    // The server is the scene's too, but its parent (this test) lives: spared, and in the plan.
    expect(dry.plan.spared).toContainEqual(
      expect.objectContaining({
        process: expect.objectContaining({ pid: server }),
        code: "parent-alive",
      }),
    );
    expect(dry.services[0].health.status).toBe("healthy");
    expect(scene.alive(orphan.pid)).toBe(true);

    const live = document(await scene.run(config, { json: true }), "cleanup.run/1");
    expect(live).toMatchObject({ mode: "run", outcome: "ok", exitCode: 0 });
    expect(["terminated", "killed"]).toContain(live.results[0].outcome);
    expect(live.results[0].pid).toBe(orphan.pid);
    expect(live.alerts.deliveries).toMatchObject([{ sink: "scene-log", status: "sent" }]);
    expect(live.services[0].pidFiles).toContainEqual(
      expect.objectContaining({
        kind: "stale",
        removal: expect.objectContaining({ outcome: "removed" }),
      }),
    );
    expect(scene.alive(orphan.pid)).toBe(false);

    const status = document(
      await scene.run(config, { command: "status", json: true }),
      "cleanup.run/1",
    );
    expect(status).toMatchObject({ mode: "status", lastRun: { outcome: "ok" } });
    expect(status.lastRun.killed).toBeGreaterThanOrEqual(1);
    expect(status.host.memory.totalBytes).toBeGreaterThan(0);
    expect(status.top.length).toBeGreaterThan(0);
    expect(scene.alive(server)).toBe(true);
  });

  it("port N: shown, would free, refused, freed: cleanup.port/1", async () => {
    scene = new Scene();
    const port = await freePort();
    const stale = await scene.server("stale", port, true);
    const config = scene.killRules({ match: String.raw`.*server\.py ` });
    const args = { command: ["port", String(port)], json: true };

    const shown = document(await scene.run(config, args), "cleanup.port/1");
    expect(shown).toMatchObject({ outcome: "shown", holders: [{ process: { pid: stale } }] });
    expect(shown.holders[0].listeners[0]).toMatchObject({ port, address: "127.0.0.1" });

    const wouldFree = document(
      await scene.run(config, { ...args, dryRun: true, extra: ["--free"] }),
      "cleanup.port/1",
    );
    expect(wouldFree).toMatchObject({ outcome: "would-free", dryRun: true });
    expect(wouldFree.results).toMatchObject([{ pid: stale, outcome: "would-kill" }]);

    // A holder whose parent (this test) lives is not stale: refused, with the reason.
    const heldPort = await freePort();
    const held = await scene.server("held", heldPort, false);
    const refused = document(
      await scene.run(config, { ...args, command: ["port", String(heldPort)], extra: ["--free"] }),
      "cleanup.port/1",
    );
    expect(refused).toMatchObject({ outcome: "refused", exitCode: 1 });
    expect(refused.refusal[0]).toContain(`pid ${held} is not stale`);
    expect(scene.alive(held)).toBe(true);

    const freed = document(
      await scene.run(config, { ...args, extra: ["--free"] }),
      "cleanup.port/1",
    );
    expect(freed).toMatchObject({ outcome: "freed", targets: [{ pid: stale }], remaining: [] });
    expect(scene.alive(stale)).toBe(false);
  });

  it("explain PID…: found and not found, the levels, ports and services: cleanup.explain/1", async () => {
    scene = new Scene();
    const orphan = await scene.orphan("o", "--children", "1");
    const port = await freePort();
    const server = await scene.server("svc", port, false);
    const pids = join(scene.dir, "pids");
    mkdirSync(pids);
    writeFileSync(join(pids, "server.pid"), `${server}\n`);
    const gone = deadPid();
    // A rule with `when` makes explain read the host; at 100% no host is critical, so the
    // verdict of that rule does not depend on how busy this one is.
    const config = scene.rules(`
thresholds:
  memory: { warn: 100%, critical: 100% }
  swap: false
  cpu: false
  load: false
  disk: false
settings: { state_dir: '${scene.stateDir}' }
rules:
  - name: scene-orphans
    match: { cmdline: '^${scene.pattern} ', orphaned: true }
    action: kill
  - name: scene-pressure
    match: { cmdline: '^${scene.pattern} ' }
    when: { memory: critical }
    action: alert
services:
  - name: scene-server
    match: { cmdline: '^${scene.pattern} .*server\\.py ' }
    pid_files: ['pids/*.pid']
`);
    const asked = [orphan.pid, orphan.children[0]!, server, gone];
    const run = await scene.runAgent([
      "explain",
      ...asked.map(String),
      "--config",
      config,
      "--json",
    ]);
    const json = document(run, "cleanup.explain/1");
    expect(json).toMatchObject({ outcome: "missing", exitCode: 1, levels: { memory: "ok" } });
    expect(json.processes.map((p: { pid: number }) => p.pid)).toEqual(asked);
    const [o, child, srv, missing] = json.processes;
    expect(missing).toEqual({ pid: gone, found: false });
    expect(o.rules).toEqual([
      expect.objectContaining({ rule: "scene-orphans", outcome: "acts" }),
      expect.objectContaining({ rule: "scene-pressure", outcome: "inactive" }),
    ]);
    expect(child.rules[0]).toMatchObject({ outcome: "acts", treeOf: orphan.pid });
    expect(srv.rules[0]).toMatchObject({ outcome: "spared", code: "parent-alive" });
    expect(srv.listening).toContainEqual(expect.objectContaining({ port, address: "127.0.0.1" }));
    expect(srv.services).toEqual([
      {
        service: "scene-server",
        role: "instance",
        instance: server,
        pidFiles: [expect.stringMatching(/\/pids\/server\.pid$/)],
      },
    ]);
    // explain only reads: everything lives, no state directory was made.
    for (const pid of [orphan.pid, ...orphan.children, server]) expect(scene.alive(pid)).toBe(true);
    expect(existsSync(scene.stateDir)).toBe(false);
  });

  it("a run stopped by its deadline: the stop, the target left alive", async () => {
    scene = new Scene();
    const stubborn = await scene.orphan("stubborn", "--ignore-term");
    const run = document(
      await scene.run(longGraceRules(scene, "5s"), { json: true }),
      "cleanup.run/1",
    );
    expect(run).toMatchObject({ outcome: "deadline", exitCode: 7 });
    // Where it stopped depends on how fast this host got there; that it stopped, and said so, not.
    expect(run.deadline).toMatchObject({ limitMs: 5_000, notDone: expect.any(Array) });
    expect(scene.alive(stubborn.pid)).toBe(true);
  });

  it("a run and port --free that find the lock held: busy, with the holder", async () => {
    scene = new Scene();
    // This test's own process holds the lock, as a run in progress would.
    mkdirSync(scene.stateDir, { mode: 0o700 });
    const holder = {
      pid: process.pid,
      startTicks: startTicksOf(process.pid)!,
      since: new Date().toISOString(),
    };
    writeFileSync(join(scene.stateDir, "cleanup.lock"), JSON.stringify(holder), { mode: 0o600 });
    const config = scene.killRules();

    const run = document(await scene.run(config, { json: true }), "cleanup.run/1");
    expect(run).toMatchObject({ outcome: "busy", lockHolder: { pid: process.pid } });
    const port = document(
      await scene.run(config, {
        command: ["port", String(await freePort())],
        json: true,
        extra: ["--free"],
      }),
      "cleanup.port/1",
    );
    expect(port).toMatchObject({ outcome: "busy", lockHolder: { pid: process.pid } });
  });

  it("a bad config and a bad command line: cleanup.error/1", async () => {
    scene = new Scene();
    const broken = scene.rules(
      `rules:\n  - name: x\n    match: { cmdline: '^${scene.pattern} ' }\n    action: kill\n    grace: -5s\n`,
    );
    const config = document(await scene.run(broken, { json: true }), "cleanup.error/1");
    expect(config.error).toMatchObject({ kind: "config", problems: [{ path: "rules[0].grace" }] });

    const usage = document(await scene.runAgent(["--json", "--no-such-option"]), "cleanup.error/1");
    expect(usage.error.kind).toBe("UsageError");
  });
});
