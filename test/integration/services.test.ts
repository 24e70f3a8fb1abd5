// Tracked services through the binary: health probes against real local servers, PID files of
// real processes, and kill_after. Every service matches only the scene's interpreter path (a
// random token); every process is ended by pid afterwards.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../helpers/receivers.js";
import { deadPid, Scene, waitFor } from "../helpers/scene.js";

let scene: Scene;
let silent: Server | undefined;
const silentSockets: Socket[] = [];
afterEach(async () => {
  scene?.cleanup();
  for (const socket of silentSockets.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  silent = undefined;
});

const SERVER = String.raw` .*server\.py `;

interface Notified {
  key: string;
  status: string;
  summary: string;
  details: string[];
}

function logged(stderr: string): Notified[] {
  return stderr
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Notified);
}

describe("health probes in a run", () => {
  it("healthy, unhealthy JSON, HTTP 500, timeout and connection refused: alerts and status", async () => {
    scene = new Scene();
    const healthy = await freePort();
    const unhealthy = await freePort();
    const failing = await freePort();
    const refused = await freePort();
    await scene.server(
      "healthy",
      healthy,
      false,
      "--body",
      '{"status": "healthy", "cpu": 3.5, "memory_mb": 120}',
    );
    await scene.server(
      "unhealthy",
      unhealthy,
      false,
      "--body",
      '{"status": "unhealthy", "reason": "heartbeat_timeout_447s"}',
    );
    await scene.server(
      "failing",
      failing,
      false,
      "--status",
      "500",
      "--body",
      '{"error": "db down"}',
    );
    // Accepts connections and never answers.
    silent = createServer((socket) => silentSockets.push(socket));
    await new Promise<void>((resolve) => silent!.listen(0, "127.0.0.1", resolve));
    const slow = (silent.address() as { port: number }).port;

    const service = (name: string, port: number) => `
  - name: ${name}
    match: { cmdline: '^${scene.pattern}${SERVER}\\S+ ${port}\\b' }
    health:
      url: http://127.0.0.1:${port}/health
      timeout: 500ms
      expect_json: { status: healthy }
      show: { cpu: cpu, memory: memory_mb }`;
    // Host thresholds off: a busy machine's CPU must not add an alert to the ones counted below.
    const config = scene.rules(`
thresholds: { memory: false, cpu: false, disk: false }
rules: []
services:${service("api", healthy)}${service("worker", unhealthy)}${service("failing", failing)}${service("slow", slow)}${service("gone", refused)}
`);
    // The silent server never answers: the run ending at all (the slow probe's reason below
    // names its 500 ms) shows the timeout bounds it, whatever the machine's load.
    const run = await scene.run(config, { json: true });
    expect(run.code).toBe(0);
    const health = Object.fromEntries(
      run.json!.services.map((s: { name: string; health: { status: string; reason: string } }) => [
        s.name,
        s.health,
      ]),
    );
    expect(health.api).toMatchObject({
      status: "healthy",
      values: [
        { label: "cpu", value: "3.5" },
        { label: "memory", value: "120" },
      ],
    });
    expect(health.worker.status).toBe("unhealthy");
    expect(health.worker.reason).toBe(
      'status is "unhealthy" (expected "healthy"); reason: heartbeat_timeout_447s',
    );
    expect(health.failing).toMatchObject({ status: "unhealthy", httpStatus: 500 });
    expect(health.failing.reason).toContain("HTTP 500 (expected 2xx)");
    expect(health.slow.status).toBe("unreachable");
    expect(health.slow.reason).toContain("no answer within 500ms");
    expect(health.gone.status).toBe("unreachable");
    expect(health.gone.reason).toContain("connection refused");

    // Each failing service is one alert through the sinks (the log sink, on stderr with --json).
    // Host-threshold alerts (a CPU alert on a saturated machine) are not the services'.
    const firing = logged(run.stderr).filter(
      (n) => n.status === "firing" && !n.key.startsWith("threshold:"),
    );
    expect(firing.map((n) => n.key).sort()).toEqual([
      "health:failing",
      "health:gone",
      "health:slow",
      "health:worker",
    ]);
    const worker = firing.find((n) => n.key === "health:worker")!;
    expect(worker.summary).toBe(
      'service worker is unhealthy: status is "unhealthy" (expected "healthy"); reason: heartbeat_timeout_447s',
    );
    expect(worker.details).toContain(
      `GET http://127.0.0.1:${unhealthy}/health: ${health.worker.reason}`,
    );

    const status = await scene.run(config, { command: "status" });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("SERVICES (5)");
    expect(status.stdout).toMatch(/api: 1 instance \(pid \d+\)\n {4}health HEALTHY: HTTP 200/);
    expect(status.stdout).toContain('health UNHEALTHY: status is "unhealthy"');
    expect(status.stdout).toContain("health UNREACHABLE: no answer within 500ms");
    expect(status.stdout).toContain("cpu 3.5, memory 120");
  });
});

describe("kill_after", () => {
  it("kills the probe's port holder after N failed runs only when it is stale by the rules", async () => {
    scene = new Scene();
    const stalePort = await freePort();
    const currentPort = await freePort();
    // An older instance of "legacy" holds its port; a start since wrote the PID file and died.
    const stale = await scene.server("stale", stalePort, false, "--status", "503");
    const pidFile = join(scene.dir, "legacy.pid");
    writeFileSync(pidFile, `${deadPid()}\n`);
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(pidFile, later, later);
    // The only instance of "current", failing too: never stale.
    const current = await scene.server("current", currentPort, false, "--status", "503");
    const config = scene.rules(`
rules: []
services:
  - name: legacy
    match: { cmdline: '^${scene.pattern}${SERVER}\\S+ ${stalePort}\\b' }
    pid_files: [${pidFile}]
    health: { url: 'http://127.0.0.1:${stalePort}/health', timeout: 2s, kill_after: 2 }
  - name: current
    match: { cmdline: '^${scene.pattern}${SERVER}\\S+ ${currentPort}\\b' }
    health: { url: 'http://127.0.0.1:${currentPort}/health', timeout: 2s, kill_after: 2 }
`);
    const run = () => scene.run(config, { json: true });

    const first = await run();
    expect(first.json!.services[0].health).toMatchObject({ failures: 1, killAfter: 2 });
    expect(first.json!.results).toEqual([]);
    expect(scene.alive(stale)).toBe(true);

    const second = await run();
    const [legacy, cur] = second.json!.services;
    expect(legacy.health).toMatchObject({
      failures: 2,
      holders: [{ pid: stale, stale: true }],
    });
    expect(legacy.health.holders[0].reasons[0]).toContain("is an older instance");
    expect(second.json!.results).toMatchObject([{ pid: stale, rule: "health:legacy" }]);
    expect(["terminated", "killed"]).toContain(second.json!.results[0].outcome);
    expect(scene.alive(stale)).toBe(false);

    expect(cur.health).toMatchObject({ failures: 2, holders: [{ pid: current, stale: false }] });
    expect(cur.health.holders[0].reasons[0]).toContain("nothing says it is an older instance");
    expect(cur.health.killNote).toContain("nothing is killed");
    expect(scene.alive(current)).toBe(true);
    const killed = logged(second.stderr).find((n) => n.key === "killed:health:legacy");
    expect(killed?.summary).toContain("killed 1 process");
  });
});

describe("PID files in a run", () => {
  it("removes a stale one, reports a reused one without killing, accepts a live match, finds the untracked", async () => {
    scene = new Scene();
    const pids = join(scene.dir, "pids");
    mkdirSync(pids);
    const tracked = await scene.server("tracked", await freePort(), false);
    const byHand = await scene.server("by-hand", await freePort(), false);
    // Another program of this test, under the same token: not the service's.
    const other = spawn(scene.python, ["-c", "import time; time.sleep(300)"], { stdio: "ignore" });
    scene.own(other.pid!);
    await waitFor("the other program", () => existsSync(`/proc/${other.pid}`));
    writeFileSync(join(pids, "dead.pid"), `${deadPid()}\n`);
    writeFileSync(join(pids, "reused.pid"), `${other.pid}\n`);
    writeFileSync(join(pids, "tracked.pid"), `${tracked}\n`);
    const config = scene.rules(`
rules: []
services:
  - name: worker
    match: { cmdline: '^${scene.pattern}${SERVER}' }
    pid_files: ['pids/*.pid']
    remove_stale_pid_files: true
`);
    const dry = await scene.run(config, { dryRun: true, json: true });
    expect(
      dry.json!.services[0].pidFiles.find((f: { kind: string }) => f.kind === "stale"),
    ).toMatchObject({ removal: { outcome: "would-remove" } });
    expect(existsSync(join(pids, "dead.pid"))).toBe(true);

    const run = await scene.run(config, { json: true });
    expect(run.code).toBe(0);
    const [worker] = run.json!.services;
    const byName = Object.fromEntries(
      worker.pidFiles.map((f: { path: string }) => [f.path.slice(pids.length + 1), f]),
    );
    expect(byName["dead.pid"]).toMatchObject({ kind: "stale", removal: { outcome: "removed" } });
    expect(byName["reused.pid"]).toMatchObject({ kind: "reused", pid: other.pid });
    expect(byName["tracked.pid"]).toMatchObject({ kind: "ok", pid: tracked });
    expect(worker.untracked.map((p: { pid: number }) => p.pid)).toEqual([byHand]);
    expect(existsSync(join(pids, "dead.pid"))).toBe(false);
    expect(scene.alive(other.pid!)).toBe(true);
    expect(scene.alive(tracked)).toBe(true);
    expect(scene.alive(byHand)).toBe(true);

    const keys = logged(run.stderr).map((n) => `${n.status} ${n.key}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        "firing pid-file-reused:worker",
        "firing untracked:worker",
        "event pid-file-removed:worker",
      ]),
    );
    expect(keys).not.toContain("firing pid-file-stale:worker");
    const text = await scene.run(config, { dryRun: true });

    expect(text.stdout).toContain(`reused: pid ${other.pid}`);
    expect(text.stdout).toContain(`no PID file names pid ${byHand}`);
  });
});
