// `cleanup port N [--free]` on real servers this test starts. Every rule and service matches only
// the scene's own interpreter path (a random token); every process is ended by pid afterwards.
import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../helpers/receivers.js";
import { deadPid, Scene, type RunOptions } from "../helpers/scene.js";

let scene: Scene;
afterEach(() => scene?.cleanup());

const SERVER = String.raw` .*server\.py `;

function serviceRules(
  s: Scene,
  options: { pidFile?: string; singleInstance?: boolean } = {},
): string {
  return s.rules(`
rules: []
services:
  - name: scene-server
    match: { cmdline: '^${s.pattern}${SERVER}' }
${options.pidFile ? `    pid_files: [${options.pidFile}]` : ""}
${options.singleInstance ? "    single_instance: true" : ""}
`);
}

/** `cleanup port PORT --free` on a config, with the scene's state dir. */
const portFree = (s: Scene, port: number, config: string, options: RunOptions = {}) =>
  s.run(config, { command: ["port", String(port)], extra: ["--free"], ...options });

describe("cleanup port", () => {
  it("frees a port held by an orphaned server; a new server then binds", async () => {
    scene = new Scene();
    const port = await freePort();
    const stale = await scene.server("stale", port, true);
    // The incident: the new worker cannot start while the stale one holds the port.
    await expect(scene.server("blocked", port, false)).rejects.toThrow(/exited with 98/);
    const config = scene.killRules({ match: SERVER.trim() });

    const shown = await scene.run(config, { command: ["port", String(port)] });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`pid ${stale}`);
    expect(shown.stdout).toContain(`tcp 127.0.0.1:${port}`);
    expect(shown.stdout).toMatch(/orphaned \(parent \d+/);
    expect(shown.stdout).toContain("stale by the rules:");
    expect(shown.stdout).toContain("kill rule scene-orphans:");
    expect(shown.stdout).toContain(`--free would kill 1:\n  pid ${stale}  `);

    const dry = await portFree(scene, port, config, { dryRun: true });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Dry run: would kill 1:");
    expect(scene.alive(stale)).toBe(true);

    const freed = await portFree(scene, port, config, { json: true });
    expect(freed.code).toBe(0);
    expect(freed.json).toMatchObject({
      outcome: "freed",
      remaining: [],
      holders: [{ process: { pid: stale }, parent: { orphaned: true }, verdict: { stale: true } }],
    });
    expect(["terminated", "killed"]).toContain(freed.json!.results[0].outcome);
    expect(scene.alive(stale)).toBe(false);
    await scene.server("fresh", port, false);
  });

  it("refuses a holder whose parent is alive, says why, and kills nothing", async () => {
    scene = new Scene();
    const port = await freePort();
    const holder = await scene.server("held", port, false);
    const config = scene.killRules({ match: SERVER.trim() });

    const run = await portFree(scene, port, config);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Refused, nothing was killed:");
    expect(run.stdout).toContain(
      `pid ${holder} is not stale by the rules: rule scene-orphans spares it: parent alive (parent ${process.pid}`,
    );
    expect(scene.alive(holder)).toBe(true);
  });

  it("single_instance: frees a port held by an older instance while the same command runs again", async () => {
    scene = new Scene();
    const port = await freePort();
    const older = await scene.server("older", port, false, "--stay");
    // The new start of the same command cannot bind the port and waits (--stay).
    const newer = await scene.server("newer", port, false, "--stay");
    const other = await scene.server("other", await freePort(), false, "--stay");

    // Without single_instance a later copy is no evidence: refused.
    const off = await portFree(scene, port, serviceRules(scene), { json: true });
    expect(off.code).toBe(1);
    expect(off.json!.refusal[0]).toContain("single_instance is off");
    expect(scene.alive(older)).toBe(true);

    const run = await portFree(scene, port, serviceRules(scene, { singleInstance: true }), {
      json: true,
    });
    expect(run.code).toBe(0);
    expect(run.json!.outcome).toBe("freed");
    expect(run.json!.holders[0].verdict.reasons[0]).toMatch(
      new RegExp(
        `service scene-server \\(single_instance\\): it is an older instance; pid ${newer}, the same command started after it`,
      ),
    );
    expect(scene.alive(older)).toBe(false);
    expect(scene.alive(newer)).toBe(true);
    // A copy with another command line (another port) is never an "older instance".
    expect(scene.alive(other)).toBe(true);
  });

  it("frees a port held by an older instance: the service's PID file was rewritten by a start that died", async () => {
    scene = new Scene();
    const port = await freePort();
    const older = await scene.server("older", port, false);
    // The stop script lost the old PID file; the new start (an hour later) wrote its own, then
    // crashed on EADDRINUSE.
    const pidFile = join(scene.dir, "server.pid");
    writeFileSync(pidFile, `${deadPid()}\n`);
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(pidFile, later, later);

    // Through a glob the file could be another service's: no evidence.
    const glob = await portFree(
      scene,
      port,
      serviceRules(scene, { pidFile: join(scene.dir, "serv*.pid") }),
    );
    expect(glob.code).toBe(1);
    expect(scene.alive(older)).toBe(true);

    const run = await portFree(scene, port, serviceRules(scene, { pidFile }));
    expect(run.stdout).toContain(`${pidFile} was written`);
    expect(run.stdout).toContain("(not running)");
    expect(run.code).toBe(0);
    expect(scene.alive(older)).toBe(false);
  });

  it("refuses the current instance: the one its PID file names", async () => {
    scene = new Scene();
    const port = await freePort();
    const current = await scene.server("current", port, false);
    const pidFile = join(scene.dir, "server.pid");
    writeFileSync(pidFile, `${current}\n`);

    const run = await portFree(scene, port, serviceRules(scene, { pidFile }));

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${pidFile} names it: the current instance`);
    expect(scene.alive(current)).toBe(true);
  });

  it("names both holders of a listening socket shared by a forked worker", async () => {
    scene = new Scene();
    const port = await freePort();
    const parent = await scene.server("prefork", port, false, "--fork");
    const child = Number(readFileSync(join(scene.dir, "prefork.ready.child"), "utf8"));
    scene.own(child);
    const config = scene.killRules({ match: SERVER.trim() });

    const shown = await scene.run(config, { command: ["port", String(port)], json: true });
    expect(shown.code).toBe(0);
    const holders = shown.json!.holders as { process: { pid: number }; listeners: unknown[] }[];
    expect(holders.map((h) => h.process.pid).sort((a, b) => a - b)).toEqual(
      [parent, child].sort((a, b) => a - b),
    );
    // One socket, held by both: each lists it.
    expect(holders.map((h) => h.listeners)).toEqual([holders[0]!.listeners, holders[0]!.listeners]);
    expect(shown.json!.uninspectable).toEqual([]);
  });

  it("says a free port is free, and rejects a bad port number", async () => {
    scene = new Scene();
    const port = await freePort();
    const config = scene.killRules({ match: SERVER.trim() });
    const free = await scene.runAgent(["port", String(port), "--free", "--config", config]);
    expect(free.code).toBe(0);
    expect(free.stdout).toContain(`port ${port}/tcp+udp is free`);
    const bad = await scene.runAgent(["port", "70000", "--config", config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("cleanup port needs one port number (1-65535), got 70000");
  });
});
