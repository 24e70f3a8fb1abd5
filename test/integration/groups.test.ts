// group_leader and session_leader on real processes: a fork-method multiprocessing.Pool whose
// parent is SIGKILLed, a service with the very same argv (its own session and group leader,
// parent PID 1 or a subreaper), and a classic double-forked daemon from the same interpreter.
// Every process runs from the scene's token interpreter path and every rule matches that path;
// the scene SIGKILLs what it started, by pid and start time, in afterEach.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Scene, ppidOf, statOf, waitFor } from "../helpers/scene.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const FORK_POOL = join(FIXTURES, "fork-pool.py");

let scene: Scene;
afterEach(() => scene?.cleanup());

interface PoolInfo {
  parent: number;
  workers: number[];
  pgid: number;
  sid: number;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** fork-pool.py spawned detached (Node's setsid: it leads its session and group), then SIGKILLed. */
async function killedPool(s: Scene): Promise<PoolInfo> {
  const ready = join(s.dir, "killed.ready");
  const child = spawn(s.python, [FORK_POOL], {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, POOL_READY: ready },
  });
  s.own(child.pid!);
  await waitFor("the killed pool to be ready", () => existsSync(ready), 120_000);
  const info = readJson<PoolInfo>(ready);
  for (const pid of info.workers) s.own(pid);
  child.kill("SIGKILL"); // our own child, by its ChildProcess handle
  await waitFor("its workers to be reparented", () =>
    info.workers.every((pid) => ppidOf(pid) !== info.parent),
  );
  return info;
}

/** fork-pool.py, same argv, started as a service: setsid, its launcher gone. */
async function servicePool(s: Scene): Promise<PoolInfo> {
  const ready = join(s.dir, "service.ready");
  const launcher = spawn(s.python, [join(FIXTURES, "as-service.py"), s.python, FORK_POOL], {
    stdio: ["ignore", "pipe", "ignore"],
    env: { ...process.env, POOL_READY: ready },
  });
  let out = "";
  launcher.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => launcher.on("close", resolve));
  const pid = Number(out.trim());
  s.own(pid);
  await waitFor("the service pool to be ready", () => existsSync(ready), 120_000);
  const info = readJson<PoolInfo>(ready);
  for (const worker of info.workers) s.own(worker);
  await waitFor("the service to be orphaned", () => ppidOf(pid) !== launcher.pid);
  return info;
}

/** daemonize.py: fork, setsid, fork, the intermediate exits. */
async function daemon(s: Scene): Promise<{ daemon: number; leader: number }> {
  const ready = join(s.dir, "daemon.ready");
  spawn(s.python, [join(FIXTURES, "daemonize.py"), ready], { stdio: "ignore" });
  await waitFor("the daemon to be ready", () => existsSync(ready), 120_000);
  const info = readJson<{ daemon: number; leader: number }>(ready);
  s.own(info.daemon);
  // Its session's leader, the intermediate, is gone (or a zombie not yet reaped).
  await waitFor("the daemon's session leader to exit", () => {
    const leader = statOf(info.leader);
    return leader === null || leader.state === "Z";
  });
  return info;
}

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

describe("fork-method pools, services and daemons", () => {
  it("kills a killed pool's fork children, spares the service with their argv, and the daemon unless named", async () => {
    scene = new Scene();
    const service = await servicePool(scene);
    const killed = await killedPool(scene);
    const d = await daemon(scene);

    // The shapes the README describes, as the kernel reports them.
    expect(service).toMatchObject({ pgid: service.parent, sid: service.parent });
    expect(killed).toMatchObject({ pgid: killed.parent, sid: killed.parent });
    for (const pid of killed.workers)
      expect(statOf(pid)).toMatchObject({ pgid: killed.parent, sid: killed.parent });
    expect(statOf(d.daemon)).toMatchObject({ pgid: d.leader, sid: d.leader });
    const argv = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8");
    for (const pid of [...killed.workers, ...service.workers])
      expect(argv(pid)).toBe(argv(service.parent));

    const poolRule = scene.rules(
      `
thresholds: { memory: false, cpu: false, disk: false }
rules:
  - name: fork-pool
    match:
      cmdline: '^${scene.pattern} \\S*fork-pool\\.py'
      orphaned: true
      group_leader: gone
    action: kill
    grace: 2s
`,
      "pool.yaml",
    );
    const dry = await scene.run(poolRule, { dryRun: true, json: true });
    expect(dry.code).toBe(0);
    const entries = dry.json!.plan.entries as Entry[];
    expect(entries.map((e) => e.process.pid).sort()).toEqual([...killed.workers].sort());
    for (const e of entries) {
      expect(e.facts[1]).toMatch(/^orphaned \(parent \d+/);
      expect(e.facts[2]).toMatch(
        new RegExp(`^not its group's leader; leader ${killed.parent} gone`),
      );
    }
    const spared = dry.json!.plan.spared as Spared[];
    const sparedOf = (pid: number) => spared.find((s) => s.process.pid === pid);
    expect(sparedOf(service.parent)).toMatchObject({
      rule: "fork-pool",
      code: "group-leader",
      reasons: ["leads its group (the rule wants gone)"],
    });
    for (const pid of service.workers)
      expect(sparedOf(pid)).toMatchObject({ code: "parent-alive" });
    // The daemon's argv is not the pool's: not in the plan at all.
    expect(sparedOf(d.daemon)).toBeUndefined();
    expect(entries.some((e) => e.process.pid === d.daemon)).toBe(false);

    // explain says the same, with both leaders.
    const explain = await scene.runAgent([
      "explain",
      String(service.parent),
      String(killed.workers[0]),
      "--config",
      poolRule,
      "--json",
    ]);
    expect(explain.code).toBe(0);
    const [svc, worker] = explain.json!.processes;
    expect(svc.group).toMatchObject({ standing: "self", fact: "leads its group" });
    expect(svc.session).toMatchObject({ standing: "self", fact: "leads its session" });
    expect(worker.group).toMatchObject({ standing: "gone", leader: killed.parent });
    expect(worker.rules[0]).toMatchObject({ outcome: "acts" });

    // A rule that names the daemon's command line: session_leader gone holds for it, as it
    // would for the pool's children; only its argv tells them apart.
    const daemonRule = scene.rules(
      `
thresholds: { memory: false, cpu: false, disk: false }
rules:
  - name: old-daemon
    match:
      cmdline: '^${scene.pattern} \\S*daemonize\\.py'
      orphaned: true
      session_leader: gone
    action: kill
    grace: 2s
`,
      "daemon.yaml",
    );
    const named = await scene.run(daemonRule, { dryRun: true, json: true });
    expect(named.code).toBe(0);
    const daemonEntries = named.json!.plan.entries as Entry[];
    expect(daemonEntries.map((e) => e.process.pid)).toEqual([d.daemon]);
    expect(daemonEntries[0]!.facts[2]).toMatch(
      new RegExp(`^not its session's leader; leader ${d.leader} gone`),
    );

    // The live run kills exactly the killed pool's children.
    const live = await scene.run(poolRule, { json: true });
    expect(live.code).toBe(0);
    const results = live.json!.results as { pid: number; outcome: string }[];
    expect(results.map((r) => r.pid).sort()).toEqual([...killed.workers].sort());
    for (const r of results) expect(["terminated", "killed"]).toContain(r.outcome);
    for (const pid of killed.workers) expect(scene.alive(pid)).toBe(false);
    for (const pid of [service.parent, ...service.workers, d.daemon])
      expect(scene.alive(pid)).toBe(true);
  });
});
