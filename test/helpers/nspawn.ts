// A real systemd as PID 1 for the tests: this machine's own root booted as a container by
// systemd-nspawn. Nothing the container does reaches the host:
// - --volatile=yes: "/" is a fresh tmpfs with the host's /usr mounted read-only into it;
// - /etc and /usr/local/bin are overlays whose writable layer is a directory of the test's own
//   (the host's /etc is read through it, never written);
// - --private-network: the host's services are booted too (basic.target only, and every timer
//   of the host is masked), and must not bind the host's ports;
// - --register=no --keep-unit: no machined and no system bus on the host (systemd is not PID 1
//   here): without them nspawn fails with "Failed to open system bus".
// Not possible on this root: --volatile=overlay and --volatile=state (nspawn refuses an overlay
// of "/", and with state the bind-mounted "/" brings the host's populated /dev along). Commands
// run inside through nsenter into all of the container's namespaces (machinectl needs machined).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

export const NSPAWN = "/usr/bin/systemd-nspawn";
const NSENTER = "/usr/bin/nsenter";
/** systemd's own PATH: the test's environment (nvm, a CI's tool dirs) stays outside. */
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Why a container cannot be booted here, or null if it can. */
export function nspawnUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "needs root (systemd-nspawn)";
  if (!existsSync(NSPAWN)) return `${NSPAWN} missing (Debian package systemd-container)`;
  if (!existsSync(NSENTER)) return `${NSENTER} missing (util-linux)`;
  if (!existsSync("/usr/lib/systemd/systemd")) return "no systemd to boot (package systemd)";
  // The container has the host's /usr and nothing else of it: a node under /opt or ~/.nvm
  // would not be there to run the agent.
  if (!realpathSync(process.execPath).startsWith("/usr/"))
    return `node (${process.execPath}) is not under /usr, which is all the container has`;
  return null;
}

/** Polls `test` until it gives a value; throws past the bound. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  test: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await test();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (or SIGKILL at the deadline), feeding it `input`. */
export function run(
  file: string,
  args: string[],
  options: { input?: string; timeoutMs: number },
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A command that exits without reading its input (kill, a quick failure) closes the pipe:
    // EPIPE on it is not the command's result.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

export interface Mount {
  host: string;
  container: string;
  readOnly: boolean;
}

export class Container {
  private leaderPid = 0;

  private constructor(
    readonly name: string,
    /** The systemd-nspawn process this test started. */
    private readonly nspawn: ReturnType<typeof spawn>,
    /** nspawn's console output: the boot messages, for a failure's message. */
    readonly consoleLog: string,
  ) {}

  /**
   * Boots the host's root under `dir` (the overlays' writable layers and the console log live
   * there). `prepare` may put files into the writable layer of /etc (`<dir>/etc`) and of
   * /usr/local/bin (`<dir>/usr-local-bin`) before the boot.
   */
  static async boot(options: {
    name: string;
    dir: string;
    mounts: Mount[];
    bootTimeoutMs: number;
    prepare?: (layers: { etc: string; usrLocalBin: string }) => void;
  }): Promise<Container> {
    const etc = join(options.dir, "etc");
    const usrLocalBin = join(options.dir, "usr-local-bin");
    mkdirSync(join(etc, "systemd/system"), { recursive: true });
    mkdirSync(usrLocalBin, { recursive: true });
    maskHostTimers(join(etc, "systemd/system"));
    // Its own machine id: with the host's, journald refuses to start ("Host and machine ids are
    // equal") and the container would pass for the host.
    writeFileSync(join(etc, "machine-id"), `${randomBytes(16).toString("hex")}\n`);
    options.prepare?.({ etc, usrLocalBin });
    const consoleLog = join(options.dir, "console.log");
    const out = openSync(consoleLog, "w");
    const nspawn = spawn(
      NSPAWN,
      [
        "--register=no",
        "--keep-unit",
        "--volatile=yes",
        "--directory=/",
        `--machine=${options.name}`,
        "--private-network",
        `--overlay=/etc:${etc}:/etc`,
        `--overlay=/usr/local/bin:${usrLocalBin}:/usr/local/bin`,
        ...options.mounts.map((m) => `--bind${m.readOnly ? "-ro" : ""}=${m.host}:${m.container}`),
        "--boot",
        "--",
        // Only the base system: the host's multi-user services (a database, cron…) stay down.
        "systemd.unit=basic.target",
        // An empty /etc/machine-id would otherwise have firstboot ask on the console.
        "systemd.firstboot=off",
      ],
      { stdio: ["ignore", out, out] },
    );
    const container = new Container(options.name, nspawn, consoleLog);
    // One bound for the whole boot, however the time splits between its steps.
    const deadline = Date.now() + options.bootTimeoutMs;
    const remaining = () => Math.max(1, deadline - Date.now());
    try {
      container.leaderPid = await until("the container's systemd to start", remaining(), () => {
        if (nspawn.exitCode !== null) throw new Error("nspawn exited");
        return Promise.resolve(leaderOf(nspawn.pid!) || undefined);
      });
      // --wait: until the boot's jobs are done. It fails at once while systemd has not opened
      // its socket yet: then again. "degraded" (some host unit that cannot run in a container
      // failed) is still a booted systemd.
      const state = await until("the container's systemd to answer", remaining(), async () => {
        const answer = await container.exec(["systemctl", "is-system-running", "--wait"], {
          timeoutMs: remaining(),
        });
        return answer.stdout.trim() || undefined;
      });
      if (!["running", "degraded"].includes(state))
        throw new Error(`system state ${JSON.stringify(state)}`);
    } catch (error) {
      await container.terminate();
      throw new Error(container.failure((error as Error).message));
    }
    return container;
  }

  /** PID (in the host's namespace) of the container's systemd. */
  get leader(): number {
    return this.leaderPid;
  }

  /** A command inside the container, as root, in all its namespaces. */
  exec(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<Result> {
    const env = ["/usr/bin/env", "-i", `PATH=${SYSTEM_PATH}`, "LANG=C.UTF-8"];
    return run(NSENTER, ["--target", String(this.leaderPid), "--all", ...env, ...args], {
      input: options.input,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
  }

  /** A shell script inside the container ($1… are `args`); throws unless it exits 0. */
  async sh(script: string, args: string[] = [], input?: string): Promise<string> {
    const result = await this.exec(["/bin/sh", "-ec", script, "sh", ...args], { input });
    if (result.code !== 0)
      throw new Error(
        `in the container, exit ${result.code}: ${script}\n${result.stdout}${result.stderr}`,
      );
    return result.stdout;
  }

  /** systemctl show's KEY=VALUE lines for a unit inside the container, as a record. */
  async properties(unit: string, keys: string[]): Promise<Record<string, string>> {
    const text = await this.sh(`systemctl show ${unit} ${keys.map((k) => `-p ${k}`).join(" ")}`);
    return Object.fromEntries(
      text
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
  }

  /** A process's /proc/PID/stat fields (pid in the container), or null if it is gone. */
  async stat(pid: number): Promise<{ state: string; ppid: number; start: string } | null> {
    const r = await this.exec(["/bin/cat", `/proc/${pid}/stat`]);
    if (r.code !== 0) return null;
    // After "pid (comm) ": state, ppid, … field 22 (starttime) is the 20th.
    const fields = r.stdout.slice(r.stdout.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0]!, ppid: Number(fields[1]), start: fields[19]! };
  }

  /** Writes a file inside the container. */
  async write(path: string, content: string): Promise<void> {
    await this.sh('cat > "$1"', [path], content);
  }

  failure(what: string): string {
    const log = existsSync(this.consoleLog) ? readFileSync(this.consoleLog, "utf8") : "";
    return `${what}; console:\n${log.split("\n").slice(-40).join("\n")}`;
  }

  /**
   * Halts the container: SIGTERM to nspawn is a clean shutdown request; past the bound, SIGKILL
   * to the container's PID 1 (which ends every process in its pid namespace) and to nspawn.
   */
  async terminate(timeoutMs = 60_000): Promise<void> {
    const nspawn = this.nspawn;
    if (nspawn.exitCode !== null || nspawn.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => nspawn.once("exit", () => resolve()));
    nspawn.kill("SIGTERM");
    const inTime = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs)),
    ]);
    if (inTime) return;
    if (this.leaderPid > 0 && leaderOf(nspawn.pid!) === this.leaderPid)
      process.kill(this.leaderPid, "SIGKILL");
    nspawn.kill("SIGKILL");
    await exited;
  }
}

/** The container's systemd: the child of nspawn that runs /usr/lib/systemd/systemd, or 0. */
function leaderOf(nspawnPid: number): number {
  let children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${nspawnPid}/task`))
      children = children.concat(
        readFileSync(`/proc/${nspawnPid}/task/${task}/children`, "utf8")
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map(Number),
      );
  } catch {
    return 0;
  }
  for (const pid of children) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "systemd") return pid;
    } catch {
      // gone meanwhile (nspawn's short-lived inner child)
    }
  }
  return 0;
}

/**
 * Every timer the host enables, masked in the container (a /dev/null link in the overlay's
 * writable /etc), so nothing but the test's own timer fires during the test (apt-daily's
 * randomized delay could otherwise run apt inside it).
 */
function maskHostTimers(unitDir: string): void {
  const timers = new Set<string>();
  for (const dir of ["/etc/systemd/system", "/usr/lib/systemd/system"]) {
    const wants = join(dir, "timers.target.wants");
    if (!existsSync(wants)) continue;
    for (const name of readdirSync(wants)) if (name.endsWith(".timer")) timers.add(name);
  }
  for (const name of timers) symlinkSync("/dev/null", join(unitDir, name));
}
