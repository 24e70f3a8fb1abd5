// Presets on real processes, each with its parent SIGKILLed beside a live instance that must be
// spared: a fork-method pool (python-fork-pool), the real gunicorn (gunicorn-worker, with
// python3-setproctitle), joblib (joblib-loky), uvicorn (uvicorn-worker) and Node's
// child_process.fork (node-fork); Chromium by a fixture of its process shape
// (chromium-shape.py: Debian's chromium is 290 MB). celery's live worker with the real celery (its
// in-memory transport; its children die with a killed worker: PR_SET_PDEATHSIG). Not here:
// pytorch-dataloader and torch-shm-manager (python3-torch: 47 MB, and a GPU-less DataLoader is
// python-fork-pool's shape, tested above); their signatures are unit-tested. Debian's frameworks run under
// Debian's interpreter: the scene links it under a token name too, so every process's argv
// carries the scene's token and every rule names it; the scene SIGKILLs what it started, by
// pid and start time, in afterEach.
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { spawnPrivateShm } from "../helpers/private-shm.js";
import { Scene, ppidOf, waitFor } from "../helpers/scene.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const FORK_POOL = join(FIXTURES, "fork-pool.py");
const DEBIAN_PYTHON = "/usr/bin/python3";

let scene: Scene;
afterEach(() => scene?.cleanup());

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

const QUIET = "thresholds: { memory: false, cpu: false, disk: false }";
const argvOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
};
const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Debian's interpreter (where Debian's gunicorn and joblib are) under a token name. */
function debianPython(s: Scene): string {
  const path = join(s.dir, `debpython3-${s.token}`);
  symlinkSync(DEBIAN_PYTHON, path);
  return path;
}

async function plan(s: Scene, rules: string, name: string) {
  const dry = await s.run(s.rules(`${QUIET}\n${rules}`, name), { dryRun: true, json: true });
  expect(dry.code).toBe(0);
  return {
    entries: dry.json!.plan.entries as Entry[],
    spared: dry.json!.plan.spared as Spared[],
  };
}

async function live(s: Scene, name: string): Promise<number[]> {
  const run = await s.run(join(s.dir, name), { json: true });
  expect(run.code).toBe(0);
  return (run.json!.results as { pid: number }[]).map((r) => r.pid).sort();
}

/** A program started detached (its own session and group, as a service's), owned by the scene. */
function detached(s: Scene, argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(argv[0]!, argv.slice(1), {
    detached: true,
    stdio: "ignore",
    env,
    cwd: s.dir,
  });
  s.own(child.pid!);
  return child;
}

/**
 * detached(), for a framework that makes files whose names it chooses and that a SIGKILL
 * leaves behind (joblib's sem.loky-* and memmapping folders in /dev/shm, billiard's pymp-*
 * temp dirs): a private /dev/shm (private-shm.ts) and a TMPDIR in the scene's directory, so
 * that nothing lands in the host's /dev/shm or /tmp. Its pid is the program's, as detached()'s.
 */
function detachedPrivate(s: Scene, argv: string[]) {
  const tmp = join(s.dir, `tmp-${s.token}`);
  mkdirSync(tmp, { recursive: true });
  const child = spawnPrivateShm(s.token, argv, {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, TMPDIR: tmp },
    cwd: s.dir,
  });
  s.own(child.pid!);
  return child;
}

describe("presets with real frameworks", () => {
  it("python-fork-pool: a killed pool's children killed, a service with their argv spared", async () => {
    scene = new Scene();
    const s = scene;
    // The service: fork-pool.py started as systemd starts a service (as-service.py).
    const serviceReady = join(s.dir, "service.ready");
    const launcher = spawn(s.python, [join(FIXTURES, "as-service.py"), s.python, FORK_POOL], {
      stdio: ["ignore", "pipe", "ignore"],
      env: { ...process.env, POOL_READY: serviceReady },
    });
    let out = "";
    launcher.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => launcher.on("close", resolve));
    s.own(Number(out.trim()));
    await waitFor("the service pool", () => existsSync(serviceReady), 120_000);
    const service = JSON.parse(readFileSync(serviceReady, "utf8")) as {
      parent: number;
      workers: number[];
    };
    for (const pid of service.workers) s.own(pid);
    // The killed pool: same argv, its parent SIGKILLed.
    const killedReady = join(s.dir, "killed.ready");
    const pool = detached(s, [s.python, FORK_POOL], { ...process.env, POOL_READY: killedReady });
    await waitFor("the killed pool", () => existsSync(killedReady), 120_000);
    const killed = JSON.parse(readFileSync(killedReady, "utf8")) as { workers: number[] };
    for (const pid of killed.workers) s.own(pid);
    pool.kill("SIGKILL");
    await waitFor("its workers reparented", () =>
      killed.workers.every((pid) => ppidOf(pid) !== pool.pid),
    );

    const { entries, spared } = await plan(
      s,
      `rules:
  - name: pool
    match: { preset: python-fork-pool, cmdline: '^${s.pattern} \\S*fork-pool\\.py' }
    action: kill
    grace: 2s
`,
      "pool.yaml",
    );
    expect(entries.map((e) => e.process.pid).sort()).toEqual([...killed.workers].sort());
    for (const e of entries) {
      expect(e.facts[1]).toMatch(/^orphaned \(parent \d+/);
      expect(e.facts[2]).toMatch(new RegExp(`^not its group's leader; leader ${pool.pid} gone`));
    }
    const sparedOf = (pid: number) => spared.find((x) => x.process.pid === pid);
    expect(sparedOf(service.parent)).toMatchObject({
      code: "group-leader",
      reasons: [
        "leads its group (the rule wants gone)",
        "leads its session (the rule wants alive or gone)",
      ],
    });
    for (const pid of service.workers)
      expect(sparedOf(pid)).toMatchObject({ code: "parent-alive" });

    expect(await live(s, "pool.yaml")).toEqual([...killed.workers].sort());
    for (const pid of killed.workers) expect(s.alive(pid)).toBe(false);
    for (const pid of [service.parent, ...service.workers]) expect(s.alive(pid)).toBe(true);
  });

  it("gunicorn-worker: the real gunicorn's stuck worker of a killed master, not a live one's", async () => {
    scene = new Scene();
    const s = scene;
    const python = debianPython(s);
    const app = `app_${s.token}`;
    writeFileSync(
      join(s.dir, `${app}.py`),
      "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'ok']\n",
    );
    // The worker blocks after its title is set and before its request loop: a worker stuck in
    // a request, which does not notice its master's death. --timeout: the live master must not
    // recycle it meanwhile.
    writeFileSync(
      join(s.dir, "conf.py"),
      "import time\n\ndef post_worker_init(worker):\n    time.sleep(3600)\n",
    );
    const start = (name: string) =>
      detached(s, [
        python,
        "-m",
        "gunicorn",
        "-c",
        join(s.dir, "conf.py"),
        "--workers",
        "1",
        "--timeout",
        "3600",
        "--bind",
        `unix:${join(s.dir, `${name}.sock`)}`,
        `${app}:app`,
      ]);
    const workerOf = async (master: number): Promise<number> => {
      let worker = 0;
      await waitFor(
        "a gunicorn worker with its title",
        () => {
          worker =
            childrenOf(master).find((pid) => argvOf(pid).startsWith("gunicorn: worker [")) ?? 0;
          return worker > 0;
        },
        120_000,
      );
      s.own(worker);
      return worker;
    };
    const liveMaster = start("live");
    const killedMaster = start("killed");
    const liveWorker = await workerOf(liveMaster.pid!);
    const stuckWorker = await workerOf(killedMaster.pid!);
    expect(argvOf(liveMaster.pid!)).toBe(`gunicorn: master [${app}:app]`);
    expect(argvOf(stuckWorker)).toBe(`gunicorn: worker [${app}:app]`);
    killedMaster.kill("SIGKILL");
    await waitFor("the stuck worker reparented", () => ppidOf(stuckWorker) !== killedMaster.pid);

    const { entries, spared } = await plan(
      s,
      `rules:
  - name: gunicorn
    match: { preset: gunicorn-worker, cmdline: '\\[${app}:app\\]' }
    action: kill
    grace: 2s
`,
      "gunicorn.yaml",
    );
    expect(entries.map((e) => e.process.pid)).toEqual([stuckWorker]);
    expect(entries[0]!.facts[0]).toMatch(/and preset gunicorn-worker's \//);
    expect(entries[0]!.facts[2]).toMatch(/^not its group's leader; leader \d+ gone/);
    expect(spared.find((x) => x.process.pid === liveWorker)).toMatchObject({
      code: "parent-alive",
    });
    // The live master's title is not a worker's: not even selected.
    expect(spared.find((x) => x.process.pid === liveMaster.pid)).toBeUndefined();

    expect(await live(s, "gunicorn.yaml")).toEqual([stuckWorker]);
    expect(s.alive(stuckWorker)).toBe(false);
    for (const pid of [liveMaster.pid!, liveWorker]) expect(s.alive(pid)).toBe(true);
  });

  it("joblib-loky: the real joblib's workers of a killed program, not a running one's", async () => {
    scene = new Scene();
    const s = scene;
    const python = debianPython(s);
    const script = join(s.dir, "parallel.py");
    writeFileSync(
      script,
      [
        "import time",
        "from joblib import Parallel, delayed",
        "Parallel(n_jobs=2)(delayed(time.sleep)(3600) for _ in range(2))",
        "",
      ].join("\n"),
    );
    const lokyWorkers = async (parent: number): Promise<number[]> => {
      let workers: number[] = [];
      await waitFor(
        "two loky workers",
        () => {
          workers = childrenOf(parent).filter((pid) => argvOf(pid).includes("popen_loky_posix"));
          return workers.length >= 2;
        },
        120_000,
      );
      for (const pid of childrenOf(parent)) s.own(pid);
      return workers.sort();
    };
    const running = detachedPrivate(s, [python, script]);
    const killed = detachedPrivate(s, [python, script]);
    const runningWorkers = await lokyWorkers(running.pid!);
    const killedWorkers = await lokyWorkers(killed.pid!);
    // Everything the killed program started that loky names: its workers and resource tracker.
    const killedLoky = childrenOf(killed.pid!).filter((pid) => argvOf(pid).includes("loky"));
    killed.kill("SIGKILL");
    await waitFor("its workers reparented", () =>
      killedWorkers.every((pid) => ppidOf(pid) !== killed.pid),
    );

    const { entries, spared } = await plan(
      s,
      `rules:
  - name: loky
    match: { preset: joblib-loky, cmdline: '^${escape(python)} ' }
    action: kill
    grace: 2s
`,
      "loky.yaml",
    );
    const planned = entries.map((e) => e.process.pid).sort();
    for (const pid of killedWorkers) expect(planned).toContain(pid);
    for (const pid of planned) expect(killedLoky).toContain(pid);
    for (const pid of runningWorkers)
      expect(spared.find((x) => x.process.pid === pid)).toMatchObject({ code: "parent-alive" });

    const results = await live(s, "loky.yaml");
    for (const pid of killedWorkers) expect(results).toContain(pid);
    for (const pid of killedWorkers) expect(s.alive(pid)).toBe(false);
    for (const pid of [running.pid!, ...runningWorkers]) expect(s.alive(pid)).toBe(true);
  });

  it("uvicorn-worker: the real uvicorn's workers of a killed supervisor, not a live one's", async () => {
    scene = new Scene();
    const s = scene;
    const python = debianPython(s);
    const app = `asgi_${s.token}`;
    writeFileSync(join(s.dir, `${app}.py`), "async def app(scope, receive, send):\n    pass\n");
    const start = (name: string) =>
      detached(s, [
        python,
        "-m",
        "uvicorn",
        `${app}:app`,
        "--workers",
        "2",
        "--uds",
        join(s.dir, `${name}.sock`),
      ]);
    const workersOf = async (supervisor: number): Promise<number[]> => {
      let workers: number[] = [];
      await waitFor(
        "two uvicorn workers",
        () => {
          workers = childrenOf(supervisor).filter((pid) => argvOf(pid).includes("spawn_main"));
          return workers.length >= 2;
        },
        120_000,
      );
      for (const pid of childrenOf(supervisor)) s.own(pid);
      return workers.sort();
    };
    const liveSupervisor = start("live");
    const killedSupervisor = start("killed");
    const liveWorkers = await workersOf(liveSupervisor.pid!);
    const killedWorkers = await workersOf(killedSupervisor.pid!);
    killedSupervisor.kill("SIGKILL");
    await waitFor("its workers reparented", () =>
      killedWorkers.every((pid) => ppidOf(pid) !== killedSupervisor.pid),
    );

    const { entries, spared } = await plan(
      s,
      `rules:
  - name: uvicorn
    match: { preset: uvicorn-worker, cmdline: '^${escape(python)} ' }
    action: kill
    grace: 2s
`,
      "uvicorn.yaml",
    );
    expect(entries.map((e) => e.process.pid).sort()).toEqual(killedWorkers);
    for (const e of entries)
      expect(e.facts[2]).toMatch(
        new RegExp(`^not its group's leader; leader ${killedSupervisor.pid} gone`),
      );
    for (const pid of liveWorkers)
      expect(spared.find((x) => x.process.pid === pid)).toMatchObject({ code: "parent-alive" });
    expect(spared.find((x) => x.process.pid === liveSupervisor.pid)).toBeUndefined();

    expect(await live(s, "uvicorn.yaml")).toEqual(killedWorkers);
    for (const pid of killedWorkers) expect(s.alive(pid)).toBe(false);
    for (const pid of [liveSupervisor.pid!, ...liveWorkers]) expect(s.alive(pid)).toBe(true);
  });

  it("node-fork: real child_process.fork children of a killed parent, not a live one's", async () => {
    scene = new Scene();
    const s = scene;
    const script = join(s.dir, `node-fork-${s.token}.mjs`);
    copyFileSync(join(FIXTURES, "node-fork-parent.mjs"), script);
    const start = async (name: string) => {
      const ready = join(s.dir, `${name}.ready`);
      const parent = detached(s, [process.execPath, script, ready]);
      await waitFor(`the ${name} node parent`, () => existsSync(ready), 120_000);
      const info = JSON.parse(readFileSync(ready, "utf8")) as { children: number[] };
      for (const pid of info.children) s.own(pid);
      return { parent, children: info.children.sort() };
    };
    const running = await start("live");
    const killed = await start("killed");
    killed.parent.kill("SIGKILL");
    await waitFor("its children reparented", () =>
      killed.children.every((pid) => ppidOf(pid) !== killed.parent.pid),
    );

    const { entries, spared } = await plan(
      s,
      `rules:
  - name: node
    match: { preset: node-fork, cmdline: '\\S*node-fork-${s.token}\\.mjs --child' }
    action: kill
    grace: 2s
`,
      "node.yaml",
    );
    expect(entries.map((e) => e.process.pid).sort()).toEqual(killed.children);
    for (const pid of running.children)
      expect(spared.find((x) => x.process.pid === pid)).toMatchObject({ code: "parent-alive" });
    expect(await live(s, "node.yaml")).toEqual(killed.children);
    for (const pid of killed.children) expect(s.alive(pid)).toBe(false);
    for (const pid of [running.parent.pid!, ...running.children]) expect(s.alive(pid)).toBe(true);
  });

  it("chromium-renderer (fixture: chromium-shape.py): a killed browser's children, not a live one's", async () => {
    scene = new Scene();
    const s = scene;
    const start = async (name: string) => {
      const ready = join(s.dir, `${name}.ready`);
      const browser = detached(s, [
        s.python,
        join(FIXTURES, "chromium-shape.py"),
        ready,
        "--headless",
      ]);
      await waitFor(`the ${name} browser`, () => existsSync(ready), 120_000);
      const info = JSON.parse(readFileSync(ready, "utf8")) as { children: number[] };
      for (const pid of info.children) s.own(pid);
      return { browser, children: info.children.sort() };
    };
    const running = await start("live");
    const killed = await start("killed");
    killed.browser.kill("SIGKILL");
    // Its zygote, GPU and utility processes are reparented; its renderer keeps the zygote.
    await waitFor("its children reparented", () =>
      killed.children.some((pid) => ppidOf(pid) !== killed.browser.pid),
    );

    const rules = `rules:
  - name: chromium
    match: { preset: chromium-renderer, cmdline: '^${s.pattern} ' }
    action: kill
    grace: 2s
`;
    const { entries, spared } = await plan(s, rules, "chromium.yaml");
    const orphans = killed.children.filter(
      (pid) =>
        ppidOf(pid) !== killed.browser.pid &&
        ppidOf(pid) !== null &&
        !killed.children.includes(ppidOf(pid)!),
    );
    expect(orphans).toHaveLength(3); // zygote, gpu-process, utility
    // The three, and (tree: true by default) the renderer under the zygote.
    expect(entries.map((e) => e.process.pid).sort()).toEqual(killed.children);
    for (const pid of orphans)
      expect(entries.find((e) => e.process.pid === pid)!.facts[0]).toMatch(
        /and preset chromium-renderer's \//,
      );
    for (const pid of running.children)
      expect(spared.find((x) => x.process.pid === pid)).toMatchObject({ code: "parent-alive" });
    // The browser has no --type= switch: not selected.
    expect(spared.find((x) => x.process.pid === running.browser.pid)).toBeUndefined();

    const results = await live(s, "chromium.yaml");
    expect(results).toEqual([...killed.children].sort());
    for (const pid of killed.children) expect(s.alive(pid)).toBe(false);
    for (const pid of [running.browser.pid!, ...running.children]) expect(s.alive(pid)).toBe(true);
  });

  it("celery-prefork: the real celery's live worker and its pool children are spared", async () => {
    scene = new Scene();
    const s = scene;
    const python = debianPython(s);
    const app = `celapp_${s.token}`;
    // The in-memory transport: a worker that starts its pool without a broker process.
    writeFileSync(
      join(s.dir, `${app}.py`),
      `from celery import Celery\napp = Celery("${app}", broker="memory://")\n`,
    );
    const start = () =>
      detachedPrivate(s, [
        python,
        "-m",
        "celery",
        "-A",
        app,
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "2",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "--hostname",
        `${app}@localhost`,
      ]);
    const poolOf = async (main: number): Promise<number[]> => {
      let children: number[] = [];
      await waitFor(
        "two prefork children with their titles",
        () => {
          children = childrenOf(main).filter((pid) => /:ForkPoolWorker-\d+\]$/.test(argvOf(pid)));
          return children.length >= 2;
        },
        120_000,
      );
      for (const pid of children) s.own(pid);
      return children.sort();
    };
    const running = start();
    const killed = start();
    const runningPool = await poolOf(running.pid!);
    const killedPool = await poolOf(killed.pid!);
    expect(argvOf(runningPool[0]!)).toMatch(
      new RegExp(`^\\[celeryd: ${app}@localhost:ForkPoolWorker-\\d\\]$`),
    );
    expect(argvOf(running.pid!)).toMatch(
      new RegExp(`^\\[celeryd: ${app}@localhost:MainProcess\\]`),
    );
    // celery 5.2 (Debian 12) gives its pool children PR_SET_PDEATHSIG(SIGKILL): they die with
    // their worker, and nothing is left for the preset. Older celery left them (README).
    killed.kill("SIGKILL");
    await waitFor("the killed worker's children to die with it", () =>
      killedPool.every((pid) => !s.alive(pid)),
    );

    const { entries, spared } = await plan(
      s,
      `rules:
  - name: celery
    match: { preset: celery-prefork, cmdline: '${app}@' }
    action: kill
    grace: 2s
`,
      "celery.yaml",
    );
    expect(entries).toEqual([]);
    for (const pid of runningPool)
      expect(spared.find((x) => x.process.pid === pid)).toMatchObject({ code: "parent-alive" });
    expect(spared.find((x) => x.process.pid === running.pid)).toBeUndefined();
    for (const pid of [running.pid!, ...runningPool]) expect(s.alive(pid)).toBe(true);
  });
});
