// Real processes for integration tests, each scene with its own random token.
// Safety: every process a scene starts runs from <dir>/python3-<token> (a symlink to the real
// interpreter), so its argv carries the token; rules given to the agent match that path only.
// The scene records (pid, start time) of all it started and, at cleanup, SIGKILLs by pid only
// those whose start time still matches: never by name or pattern.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseStat, type StatFields } from "../../src/scan/parse-stat.js";
import { readProcessTable, type ScanOptions } from "../../src/scan/read-process-table.js";
import type { Snapshot } from "../../src/scan/types.js";
import { agentArgs, runAgent, type AgentRun, type RunOptions } from "./agent.js";
import { spawnPrivateShm } from "./private-shm.js";

export { CLI, type AgentRun, type RunOptions } from "./agent.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

let realPython: string | undefined;
/** The interpreter itself (python3 may be a pyenv shim script). */
function interpreter(): string {
  realPython ??= execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
    encoding: "utf8",
  }).trim();
  return realPython;
}

/** The process's stat fields, or null if it is gone. */
export function statOf(pid: number): StatFields | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return null;
  }
}

export const startTicksOf = (pid: number): number | null => statOf(pid)?.startTicks ?? null;
export const stateOf = (pid: number): string | null => statOf(pid)?.state ?? null;
export const ppidOf = (pid: number): number | null => statOf(pid)?.ppid ?? null;

export async function waitFor(
  what: string,
  test: () => boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A pid that was just used and is dead now (a shell that printed its own pid and exited). */
export function deadPid(): number {
  return Number(spawnSync("/bin/sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim());
}

/** The real /proc, with only these pids read in detail (a test's own processes). */
export function scanPids(pids: ReadonlySet<number>, extra: Partial<ScanOptions> = {}): Snapshot {
  return readProcessTable({
    procRoot: "/proc",
    selfPid: process.pid,
    now: Date.now,
    detailFilter: () => (p) => pids.has(p.pid),
    wantParentDetail: false,
    wantDescendantDetail: false,
    wantExe: false,
    wantStatus: false,
    ...extra,
  });
}

export class Scene {
  readonly token = randomBytes(6).toString("hex");
  readonly dir = mkdtempSync(join(tmpdir(), `cleanup-it-${this.token}-`));
  readonly python = join(this.dir, `python3-${this.token}`);
  readonly stateDir = join(this.dir, "state");
  /** pid → start time of every process this scene started. */
  private readonly owned = new Map<number, number>();

  constructor() {
    symlinkSync(interpreter(), this.python);
  }

  /** A regex matching only this scene's processes (its interpreter path). */
  get pattern(): string {
    return this.python.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  own(pid: number): void {
    const ticks = startTicksOf(pid);
    if (ticks !== null) this.owned.set(pid, ticks);
  }

  /**
   * A python3 spawn pool; with `orphan`, its parent is SIGKILLed and the workers wait reparented.
   * It runs with a private /dev/shm (private-shm.ts): its queues' semaphores (sem.mp-*, names
   * CPython chooses) outlive a SIGKILLed tracker, and must not land in the host's /dev/shm.
   */
  async pool(
    name: string,
    workers: number,
    orphan: boolean,
  ): Promise<{ parent: number; workers: number[]; tracker: number }> {
    const ready = join(this.dir, `${name}.ready`);
    const argv = [this.python, join(FIXTURES, "pool.py"), ready, String(workers)];
    const child = spawnPrivateShm(this.token, argv, { stdio: "ignore" });
    this.own(child.pid!);
    let exited: number | null = null;
    child.on("exit", (code) => (exited = code ?? -1));
    await waitFor(`${name} to be ready`, () => existsSync(ready) || exited !== null);
    if (!existsSync(ready)) throw new Error(`${name} exited with ${exited} before it was ready`);
    const info = JSON.parse(readFileSync(ready, "utf8")) as {
      parent: number;
      workers: number[];
      tracker: number;
    };
    // unshare and its shell exec in place: the pool's parent is the very process spawned.
    if (info.parent !== child.pid)
      throw new Error(`${name}: parent ${info.parent} is not ${child.pid}`);
    for (const pid of [...info.workers, info.tracker]) this.own(pid);
    if (orphan) {
      child.kill("SIGKILL"); // our own child, by its ChildProcess handle
      await waitFor(`${name} workers to be reparented`, () =>
        info.workers.every((pid) => ppidOf(pid) !== info.parent),
      );
    }
    return info;
  }

  /** orphan.py started through a shell that exits at once, leaving it to PID 1 (or a subreaper). */
  async orphan(
    name: string,
    ...flags: string[]
  ): Promise<{ pid: number; children: number[]; grandchildren: number[] }> {
    const ready = join(this.dir, `${name}.ready`);
    const { pid, launcher } = await this.launchOrphan([
      join(FIXTURES, "orphan.py"),
      ready,
      ...flags,
    ]);
    await waitFor(`${name} to be ready`, () => existsSync(ready));
    const info = JSON.parse(readFileSync(ready, "utf8")) as {
      pid: number;
      children: number[];
      grandchildren: number[];
    };
    for (const p of [...info.children, ...info.grandchildren]) this.own(p);
    await waitFor(`${name} to be orphaned`, () => ppidOf(pid) !== launcher);
    return info;
  }

  /**
   * The scene's python on argv, through a shell that exits at once and leaves it to PID 1 (or a
   * subreaper). Returns its pid, owned from now on, and the shell's, to see it reparented.
   */
  private async launchOrphan(
    argv: string[],
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<{ pid: number; launcher: number }> {
    const launcher = spawn(
      "/bin/sh",
      ["-c", '"$@" </dev/null >/dev/null 2>&1 & echo $!', "sh", this.python, ...argv],
      { stdio: ["ignore", "pipe", "ignore"], env },
    );
    let out = "";
    launcher.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => launcher.on("close", resolve));
    const pid = Number(out.trim());
    this.own(pid);
    return { pid, launcher: launcher.pid! };
  }

  /**
   * server.py listening on 127.0.0.1:port. orphan: started through a shell that exits at once
   * (its parent is then PID 1 or a subreaper); else a child of the test (its parent lives).
   * Resolves with the pid once it listens; rejects with the exit code if it cannot (98: in use).
   */
  async server(name: string, port: number, orphan: boolean, ...flags: string[]): Promise<number> {
    const ready = join(this.dir, `${name}.ready`);
    // The ready file comes through the environment: two servers with the same flags have the
    // same argv, as two starts of one service do.
    const argv = [join(FIXTURES, "server.py"), "-", String(port), ...flags];
    const env = { ...process.env, SERVER_READY: ready };
    let exited: number | null = null;
    if (orphan) {
      const { pid, launcher } = await this.launchOrphan(argv, env);
      await waitFor(`${name} to listen`, () => existsSync(ready) || !existsSync(`/proc/${pid}`));
      if (!existsSync(ready)) throw new Error(`${name} exited before listening`);
      await waitFor(`${name} to be orphaned`, () => ppidOf(pid) !== launcher);
      return pid;
    }
    const child = spawn(this.python, argv, { stdio: "ignore", env });
    this.own(child.pid!);
    child.on("exit", (code) => (exited = code ?? -1));
    await waitFor(`${name} to listen or exit`, () => existsSync(ready) || exited !== null);
    if (!existsSync(ready)) throw new Error(`${name} exited with ${exited} before listening`);
    return child.pid!;
  }

  /**
   * holder.py orphaned (parent PID 1 or a subreaper), holding `file` open when given. Its argv
   * is the same either way (the file and the ready path come through the environment).
   */
  async holder(name: string, file: string | null): Promise<number> {
    const ready = join(this.dir, `${name}.ready`);
    const env = { ...process.env, HOLDER_READY: ready, HOLDER_FILE: file ?? "" };
    const { pid, launcher } = await this.launchOrphan([join(FIXTURES, "holder.py")], env);
    await waitFor(`${name} to be ready`, () => existsSync(ready) || !existsSync(`/proc/${pid}`));
    if (!existsSync(ready)) throw new Error(`${name} exited before it was ready`);
    await waitFor(`${name} to be orphaned`, () => ppidOf(pid) !== launcher);
    return pid;
  }

  /** Alive = exists with the start time we recorded and is not a zombie. */
  alive(pid: number): boolean {
    const ticks = startTicksOf(pid);
    const state = stateOf(pid);
    return ticks !== null && ticks === this.owned.get(pid) && state !== "Z" && state !== "X";
  }

  rules(yaml: string, name = "rules.yaml"): string {
    const path = join(this.dir, name);
    writeFileSync(path, yaml);
    return path;
  }

  /**
   * A kill rule for this scene's orphans, scoped to its interpreter path. match: more of the
   * cmdline regex after the path; rule: YAML after the rule; head: YAML before `rules:`
   * (settings, alerts); quiet: host thresholds off, so that only the rule acts or alerts;
   * file: the file's name, for a test that keeps two configs.
   */
  killRules(
    extra: {
      match?: string;
      rule?: string;
      grace?: string;
      head?: string;
      quiet?: boolean;
      file?: string;
    } = {},
  ): string {
    return this.rules(
      `
${extra.quiet ? "thresholds: { memory: false, cpu: false, disk: false }" : ""}
${extra.head ?? ""}
rules:
  - name: scene-orphans
    match:
      cmdline: '^${this.pattern} ${extra.match ?? ""}'
      orphaned: true
    action: kill
    grace: ${extra.grace ?? "2s"}
${extra.rule ?? ""}
`,
      extra.file,
    );
  }

  /** The agent's argument list for a config and this scene's state dir (see agent.ts). */
  agentArgs(config: string, options: RunOptions = {}): string[] {
    return agentArgs(config, this.stateDir, options);
  }

  /** The agent run on a config with this scene's state dir: `scene.run(config, { json: true })`. */
  run(config: string, options: RunOptions = {}): Promise<AgentRun> {
    return runAgent(this.agentArgs(config, options));
  }

  /** The agent with exactly these arguments (see agent.ts). */
  runAgent(args: string[], options: { uid?: number; boundMs?: number } = {}): Promise<AgentRun> {
    return runAgent(args, options);
  }

  /** Ends one process this scene started (same pid and start time), e.g. to clear a condition. */
  async end(pid: number): Promise<void> {
    if (!this.alive(pid)) throw new Error(`pid ${pid} is not a live process of this scene`);
    process.kill(pid, "SIGKILL");
    await waitFor(`pid ${pid} to die`, () => !this.alive(pid));
  }

  /** SIGKILL, by pid, whatever this scene started and is still the same process; remove files. */
  cleanup(): void {
    for (const [pid, ticks] of this.owned) {
      if (pid > 1 && startTicksOf(pid) === ticks) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
