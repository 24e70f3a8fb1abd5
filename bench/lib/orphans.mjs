// What every bench that fills the process table shares: a token directory, token-named copies of
// /bin/sleep, orphans started through a launcher shell, every process the bench started tracked
// with the marker its cmdline holds, and a cleanup that signals by pid only after
// /proc/PID/cmdline shows that marker again (a pid reused by someone else is never signalled).
//
// Safety, as the benches promise it: nothing here signals a process it did not start; PID 1 and
// pids ≤ 1 never; no name-based kill anywhere. The cleanup is synchronous so that it runs from a
// signal handler (SIGINT/SIGTERM/SIGHUP) as well as from `finally`.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

// ---------------------------------------------------------------------------------------------
// Small things

/** An integer ≥ 1 from the environment, or `fallback` when unset or empty. */
export function envInt(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name}=${text}: expected an integer ≥ 1`);
  return value;
}

/** A comma-separated list of integers ≥ 1 from the environment, or `fallback` ("10,1000"). */
export function envCounts(name, fallback) {
  const text = process.env[name] || fallback;
  return text.split(",").map((word) => {
    const value = Number(word);
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name}=${text}: expected counts ≥ 1`);
    return value;
  });
}

export function escapeRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Paths the launcher puts inside single quotes: nothing a shell would read as syntax. */
const SAFE_PATH = /^[A-Za-z0-9/._-]+$/;

// ---------------------------------------------------------------------------------------------
// /proc

export function readProc(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Fields of /proc/PID/stat after the command name, or null if the process is gone. */
export function statFields(pid) {
  const text = readProc(`/proc/${pid}/stat`);
  if (text === null) return null;
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0]: field 3 (state), rest[1]: 4 (ppid), rest[6]: 9 (flags), rest[19]: 22 (starttime).
  return {
    state: rest[0],
    ppid: Number(rest[1]),
    flags: Number(rest[6]),
    startTicks: Number(rest[19]),
  };
}

export function cmdlineHas(pid, marker) {
  const text = readProc(`/proc/${pid}/cmdline`);
  return text !== null && text.includes(marker);
}

export function procPids() {
  return readdirSync("/proc")
    .filter((name) => /^[0-9]+$/.test(name))
    .map(Number);
}

export const procCount = () => procPids().length;

export const pidMax = () => Number(readFileSync("/proc/sys/kernel/pid_max", "utf8"));

/** Tasks (threads included: each takes a pid) the kernel has now, from /proc/loadavg. */
export function tasksNow() {
  const field = (readProc("/proc/loadavg") ?? "").split(" ")[3] ?? "";
  const total = Number(field.split("/")[1]);
  return Number.isInteger(total) ? total : procCount();
}

/** Throws unless `more` more pids (plus a margin for everyone else) fit under pid_max. */
export function checkPidRoom(more, margin = 200) {
  const max = pidMax();
  const tasks = tasksNow();
  if (tasks + more + margin > max)
    throw new Error(
      `${more} more processes would exceed pid_max ${max} (${tasks} tasks now, margin ${margin})`,
    );
}

/** Signals `pid` (SIGKILL by default) only if its cmdline still holds `marker`. */
export function killVerified(pid, marker, signal = "SIGKILL") {
  if (!Number.isInteger(pid) || pid <= 1 || !marker) return false;
  if (!cmdlineHas(pid, marker)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Copies /bin/sleep to `bin`; the token is in the path only (GNU sleep takes no extra args). */
export function makeSleepBinary(bin) {
  if (!SAFE_PATH.test(bin)) throw new Error(`unsafe path ${bin}`);
  mkdirSync(dirname(bin), { recursive: true, mode: 0o755 });
  copyFileSync("/bin/sleep", bin);
  chmodSync(bin, 0o755);
}

/** Parents of a sample of the pids: expected PID 1 (or a subreaper). */
export function sampleParents(pids, samples = 50) {
  const parents = new Map();
  const step = Math.max(1, Math.floor(pids.length / samples));
  for (let i = 0; i < pids.length; i += step) {
    const ppid = statFields(pids[i])?.ppid ?? -1;
    parents.set(ppid, (parents.get(ppid) ?? 0) + 1);
  }
  return [...parents]
    .map(([ppid, n]) => {
      const comm = ppid > 0 ? (readProc(`/proc/${ppid}/comm`) ?? "?").trim() : "gone";
      return `ppid ${ppid} (${comm}) ×${n}`;
    })
    .join(", ");
}

/** True if /proc/PID/status says SIGTERM is ignored (SigIgn bit 15). */
export function ignoresTerm(pid) {
  const line = (readProc(`/proc/${pid}/status`) ?? "")
    .split("\n")
    .find((l) => l.startsWith("SigIgn:"));
  if (!line) return false;
  return (BigInt(`0x${line.slice(7).trim()}`) & (1n << 14n)) !== 0n;
}

// ---------------------------------------------------------------------------------------------
// The agent's token-scoped kill config and the safety gate before any live run

/**
 * Writes a config whose only rule kills orphans running `bin` (`cmdline: ^BIN `), which must
 * hold `marker` (the token): the rule is checked to be scoped before anything can run it.
 * Returns the regex.
 */
export function writeKillConfig(file, bin, { marker, maxKills, grace = "5s" }) {
  const regex = `^${escapeRegex(bin)} `;
  if (!bin.includes(marker) || !new RegExp(regex).test(`${bin} 3600`))
    throw new Error(`config regex ${regex} is not scoped to ${marker}`);
  if (!/^[0-9]+(ms|s|m)$/.test(grace)) throw new Error(`bad grace ${grace}`);
  const yaml = [
    "version: 1",
    "settings:",
    `  max_kills_per_run: ${maxKills}`,
    "rules:",
    "  - name: bench-orphans",
    "    match:",
    `      cmdline: ${JSON.stringify(regex)}`,
    "      orphaned: true",
    "    action: kill",
    `    grace: ${grace}`,
    "    tree: false",
    `    max_kills: ${maxKills}`,
    "",
  ].join("\n");
  writeFileSync(file, yaml);
  return regex;
}

/**
 * The gate before a live run: the dry run of `config` planned a kill of exactly the pids of
 * `ticks` (pid → start ticks) and of nothing else; `strict`: it also exited 0 and every one is
 * "would-kill". Throws (refusing to go on) otherwise.
 */
export function checkPlannedExactly(run, ticks, config, { strict = true } = {}) {
  const { report } = run;
  if (report.configFile !== config)
    throw new Error(`the agent read ${report.configFile}, not ${config}: refusing to go on`);
  if (strict && (run.code !== 0 || report.exitCode !== 0))
    throw new Error(`dry run exited ${run.code} (JSON exitCode ${report.exitCode}): ${run.stderr}`);
  const kills = report.plan.entries.filter((e) => e.action === "kill");
  const foreign = kills.filter((e) => !ticks.has(e.process.pid));
  const planned = new Set(kills.map((e) => e.process.pid));
  const missing = [...ticks.keys()].filter((pid) => !planned.has(pid));
  const wouldKill = report.results.filter((r) => r.outcome === "would-kill").length;
  if (foreign.length > 0)
    throw new Error(
      `dry run planned ${foreign.length} processes the bench did not start, e.g. pid ${foreign[0].process.pid}: refusing to go on`,
    );
  if (kills.length !== ticks.size || missing.length > 0 || (strict && wouldKill !== ticks.size))
    throw new Error(
      `dry run saw ${kills.length} kill entries and ${wouldKill} would-kill results for ${ticks.size} bench processes (${missing.length} missing, ${report.plan.refusals?.length} refusals): refusing to go on`,
    );
  return { kills: kills.length, wouldKill, processes: report.scan.processes };
}

/** Of `ticks` (pid → start ticks): how many still run (same start time, not a zombie). */
export function countAlive(ticks) {
  let alive = 0;
  let zombies = 0;
  for (const [pid, startTicks] of ticks) {
    const stat = statFields(pid);
    if (!stat || stat.startTicks !== startTicks) continue;
    if (stat.state === "Z" || stat.state === "X") zombies += 1;
    else alive += 1;
  }
  return { alive, zombies };
}

// ---------------------------------------------------------------------------------------------
// One bench's processes

/**
 * A bench's token, its directory `${prefix}-${token}` (made at once, `mode`), and the processes
 * it starts. `signalMessage(signal, stats)`: what to print on SIGINT/SIGTERM/SIGHUP after the
 * cleanup (the default names the counts and the directory). `beforeRemove()`: run by the
 * cleanup after the kills, before the directory goes (an unmount, say).
 */
export function createBench({ prefix, mode = 0o755, signalMessage, beforeRemove } = {}) {
  if (!prefix || !SAFE_PATH.test(prefix)) throw new Error(`bad bench prefix ${prefix}`);
  const token = randomBytes(8).toString("hex");
  const dir = `${prefix}-${token}`;
  /** Processes that outlive their parent (or are not direct children): pid → marker. */
  const ours = new Map();
  /** Our direct children still running: { child, marker, kind: "launcher" | "command" }. */
  const children = new Set();
  let cleanedUp = false;
  let cleanupStats = null;

  mkdirSync(dir, { mode });
  chmodSync(dir, mode);

  const track = (pid, marker) => {
    if (Number.isInteger(pid) && pid > 1 && marker) ours.set(pid, marker);
  };
  const forget = (pid) => ours.delete(pid);
  const running = (child) =>
    child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  /** A direct child still running: its ppid is us and its cmdline holds the marker. */
  const isOurChild = (pid, marker) =>
    statFields(pid)?.ppid === process.pid && cmdlineHas(pid, marker);

  /** Spawns a direct child, tracked until it closes; cleanup kills it only if `marker` is set. */
  function spawnChild(command, args, options, marker, kind = "command") {
    const child = spawn(command, args, options);
    const entry = { child, marker, kind };
    children.add(entry);
    child.once("close", () => children.delete(entry));
    child.once("error", () => children.delete(entry));
    return { child, entry };
  }

  /** Runs a command, drains its output, times spawn → close. */
  function runTimed(command, args, { marker, env, keepStdout = true, keepStderr = true } = {}) {
    return new Promise((resolveRun, reject) => {
      const started = performance.now();
      const { child } = spawnChild(
        command,
        args,
        {
          stdio: ["ignore", "pipe", "pipe"],
          env: env ? { ...process.env, ...env } : process.env,
        },
        marker ?? args.find((a) => typeof a === "string" && a.includes(token)),
      );
      const out = [];
      const err = [];
      let outBytes = 0;
      let outLines = 0;
      child.stdout.on("data", (chunk) => {
        outBytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) outLines += 1;
        if (keepStdout) out.push(chunk);
      });
      child.stderr.on("data", (chunk) => keepStderr && err.push(chunk));
      child.on("error", reject);
      child.on("close", (code, signal) => {
        resolveRun({
          ms: performance.now() - started,
          code,
          signal,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
          outBytes,
          outLines,
        });
      });
    });
  }

  /**
   * Starts `count` `BIN ARGS…` (default `BIN 3600`) processes from a shell that backgrounds
   * them and prints their pids. Without `stay` it then exits, so the kernel reparents them to
   * PID 1 (or a subreaper): orphans. With `stay` it waits, their live parent (resolves once all
   * are printed). `ignoreTerm`: the shell ignores SIGTERM first, and so, across exec, do they.
   * `marker` is the shell's $0 and must be in `bin`; every pid is tracked with it.
   */
  function launchOrphans(
    bin,
    marker,
    count,
    { stay = false, ignoreTerm = false, args = ["3600"] } = {},
  ) {
    if (!SAFE_PATH.test(bin) || !bin.includes(marker) || !args.every((a) => SAFE_PATH.test(a)))
      throw new Error(`unsafe launcher for ${bin} (marker ${marker})`);
    const command = [`'${bin}'`, ...args].join(" ");
    const script =
      (ignoreTerm ? "trap '' TERM; " : "") +
      `i=0; while [ "$i" -lt ${count} ]; do ` +
      `${command} </dev/null >/dev/null 2>&1 & echo $!; i=$((i+1)); done; ` +
      (stay ? "echo ready; exec 1>&-; wait" : "exit 0");
    const started = performance.now();
    const { child, entry } = spawnChild(
      "/bin/sh",
      ["-c", script, marker],
      { stdio: ["ignore", "pipe", "inherit"] },
      marker,
      "launcher",
    );
    const pids = [];
    let partial = "";
    child.stdout.setEncoding("utf8");
    return new Promise((resolveLaunch, reject) => {
      const done = () => resolveLaunch({ pids, entry, launchMs: performance.now() - started });
      child.on("error", reject);
      child.stdout.on("data", (chunk) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop();
        for (const line of lines) {
          if (stay && line === "ready") {
            if (pids.length !== count)
              return reject(new Error(`launcher printed ${pids.length} pids, not ${count}`));
            return done();
          }
          const pid = Number(line);
          if (!Number.isInteger(pid) || pid <= 1) continue;
          ours.set(pid, marker);
          pids.push(pid);
        }
      });
      child.on("close", (exitCode, signal) => {
        if (stay) return reject(new Error(`launcher shell ended early (${exitCode ?? signal})`));
        const code = exitCode ?? signal;
        if (code !== 0) return reject(new Error(`launcher shell ended with ${code}`));
        if (pids.length !== count)
          return reject(new Error(`launcher printed ${pids.length} pids, not ${count}`));
        done();
      });
    });
  }

  /** Waits until every pid runs `bin` (exec done); returns pid → startTicks. */
  async function waitExecuted(pids, bin, timeoutMs = 180_000) {
    const deadline = performance.now() + timeoutMs;
    const startTicks = new Map();
    let pending = pids;
    while (pending.length > 0) {
      const next = [];
      for (const pid of pending) {
        const cmdline = readProc(`/proc/${pid}/cmdline`);
        if (cmdline === null) throw new Error(`pid ${pid} vanished before running ${bin}`);
        if (!cmdline.startsWith(`${bin}\0`)) {
          next.push(pid);
          continue;
        }
        const stat = statFields(pid);
        if (!stat) throw new Error(`pid ${pid} vanished before running ${bin}`);
        startTicks.set(pid, stat.startTicks);
      }
      pending = next;
      if (pending.length === 0) break;
      if (performance.now() > deadline)
        throw new Error(`${pending.length} processes not running ${bin} after ${timeoutMs} ms`);
      await sleep(50);
    }
    return startTicks;
  }

  /**
   * SIGKILLs what the bench started, each by pid after its marker is checked: a launcher still
   * running is stopped first and the children it forked (printed or not) are adopted.
   */
  function cleanupSync() {
    if (cleanedUp) return cleanupStats;
    cleanedUp = true;
    let launchersStopped = 0;
    let childrenKilled = 0;
    for (const { child, marker, kind } of children) {
      if (kind !== "launcher" || !running(child) || !isOurChild(child.pid, marker)) continue;
      try {
        process.kill(child.pid, "SIGSTOP");
      } catch {
        continue;
      }
      const listed = readProc(`/proc/${child.pid}/task/${child.pid}/children`) ?? "";
      for (const word of listed.split(/\s+/)) {
        const childPid = Number(word);
        if (Number.isInteger(childPid) && childPid > 1 && !ours.has(childPid))
          ours.set(childPid, marker);
      }
      if (killVerified(child.pid, marker)) launchersStopped += 1;
    }
    for (const { child, marker, kind } of children) {
      if (kind === "launcher" || !marker || !running(child)) continue;
      if (isOurChild(child.pid, marker) && killVerified(child.pid, marker)) childrenKilled += 1;
    }
    let killed = 0;
    let notOurs = 0;
    for (const [pid, marker] of ours) {
      if (killVerified(pid, marker)) killed += 1;
      else notOurs += 1; // gone, a zombie (empty cmdline), or the pid now belongs to someone else
    }
    try {
      beforeRemove?.();
    } catch (error) {
      process.stderr.write(`bench: before removing ${dir}: ${error.message}\n`);
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      process.stderr.write(`bench: could not remove ${dir}: ${error.message}\n`);
    }
    cleanupStats = { killed, notOurs, launchersStopped, childrenKilled, removed: !existsSync(dir) };
    return cleanupStats;
  }

  /** Waits (a while) until no tracked pid (or none of `pids`) is a zombie; returns how many are. */
  async function waitReaped(pids = [...ours.keys()], timeoutMs = 30_000) {
    const deadline = performance.now() + timeoutMs;
    let left = [...pids];
    while (left.length > 0 && performance.now() < deadline) {
      left = left.filter((pid) => ["Z", "X"].includes(statFields(pid)?.state));
      if (left.length > 0) await sleep(200);
    }
    return left.length;
  }

  const defaultMessage = (signal, stats) =>
    `\nbench: ${signal}: cleaning up…\n` +
    `bench: SIGKILLed ${stats.killed} bench processes, ${stats.childrenKilled} running commands, ${stats.launchersStopped} launchers; ${dir} removed: ${stats.removed}\n`;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.once(signal, () => {
      const stats = cleanupSync();
      process.stderr.write((signalMessage ?? defaultMessage)(signal, stats));
      process.kill(process.pid, signal); // the listener is gone: the default action ends us
    });
  }

  return {
    token,
    dir,
    ours,
    track,
    forget,
    spawnChild,
    runTimed,
    launchOrphans,
    waitExecuted,
    cleanupSync,
    waitReaped,
  };
}
