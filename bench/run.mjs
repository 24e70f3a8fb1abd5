// Benchmark of the cleanup agent against a real process table (see `npm run bench`).
//
// 1. Starts BENCH_PROCESSES (default 10,000) orphaned `sleep 3600` processes from a copy of
//    /bin/sleep at /tmp/cleanup-bench-<token>/sleep-<token>, <token> being random.
// 2. Times `cleanup --dry-run --json` on that table (and its peak RSS) against `ps -eo …`.
// 3. Starts 1,000 more orphans from a second token path and lets the agent really kill them,
//    with a config whose only rule matches that path; then checks independently they are dead.
// 4. Times `cleanup --dry-run --json` on the bundled rules.yaml with and without one process of
//    `nobody` whose argv is about 1 MB of repeated `uvicorn` (the case of issue 10: 157 s with
//    JavaScript's regex engine). BENCH_ONLY=hostile-argv runs this case alone (no orphans).
//
// Safety: the bench signals only processes it started, by pid, after checking that
// /proc/PID/cmdline still holds its token. The agent runs without --dry-run only with a config
// whose every rule is scoped to a token path, and only after a dry run of that same config
// planned exactly the bench's own pids. Everything is cleaned up in `finally` and on
// SIGINT/SIGTERM/SIGHUP. Figures are reported, not enforced: exit 0 unless something broke.
//
// Environment: BENCH_PROCESSES (10000), BENCH_KILL_PROCESSES (1000), BENCH_RUNS (5),
// BENCH_PROFILE_DIR (unset: no profile), BENCH_NODE_FLAGS (unset: extra node flags for the agent),
// BENCH_ONLY (unset: every case; hostile-argv: step 4 only).
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
import { createServer } from "node:net";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");
const PRELOAD = pathToFileURL(join(ROOT, "bench", "report-maxrss.mjs")).href;

const N = envInt("BENCH_PROCESSES", 10_000);
const KILL_N = envInt("BENCH_KILL_PROCESSES", 1_000);
const RUNS = envInt("BENCH_RUNS", 5);
/** BENCH_PROFILE_DIR=DIR: also profile one extra dry run (node --cpu-prof --heap-prof) into DIR. */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR ? resolve(process.env.BENCH_PROFILE_DIR) : null;
/** BENCH_NODE_FLAGS="--flag …": extra node flags for every agent run (for experiments). */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
const ONLY = process.env.BENCH_ONLY ?? "";
if (!["", "hostile-argv"].includes(ONLY))
  throw new Error(`BENCH_ONLY=${ONLY}: expected hostile-argv`);
const BUNDLED = join(ROOT, "rules.yaml");
const NOBODY = 65534;
const PS_ARGS = ["-eo", "pid,ppid,user,etimes,rss,args"];
const TIME_BIN = "/usr/bin/time";

const TARGET_RSS_KIB = 80 * 1024;
const TARGET_KILL_MS = 2_000;

const token = randomBytes(8).toString("hex");
const dir = `/tmp/cleanup-bench-${token}`;

/** Processes started by a launcher shell (they outlive it): pid → the marker its cmdline holds. */
const orphans = new Map();
/** Our running direct children: { child, marker }. */
const children = new Set();
/** Launcher shells still running: { child, marker }. */
const launchers = new Set();
let cleanedUp = false;
let cleanupStats = null;

// ---------------------------------------------------------------------------------------------
// /proc helpers

function readProc(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** The fields of /proc/PID/stat after the command name, or null if the process is gone. */
function statFields(pid) {
  const text = readProc(`/proc/${pid}/stat`);
  if (text === null) return null;
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state), rest[1] field 4 (ppid), rest[19] field 22 (starttime).
  return { state: rest[0], ppid: Number(rest[1]), startTicks: Number(rest[19]) };
}

function cmdlineHas(pid, marker) {
  const text = readProc(`/proc/${pid}/cmdline`);
  return text !== null && text.includes(marker);
}

function procCount() {
  return readdirSync("/proc").filter((name) => /^[0-9]+$/.test(name)).length;
}

/** SIGKILL `pid` only if its cmdline still holds `marker`. True if it was signalled. */
function killVerified(pid, marker, signal = "SIGKILL") {
  if (!Number.isInteger(pid) || pid <= 1 || !marker) return false;
  if (!cmdlineHas(pid, marker)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** A direct child still running: its ppid is us and its cmdline holds the marker. */
function isOurChild(pid, marker) {
  return statFields(pid)?.ppid === process.pid && cmdlineHas(pid, marker);
}

// ---------------------------------------------------------------------------------------------
// Cleanup: synchronous, so it can run from a signal handler as well as from `finally`.

function cleanupSync() {
  if (cleanedUp) return cleanupStats;
  cleanedUp = true;
  let launchersStopped = 0;
  let childrenKilled = 0;
  // A launcher still running: freeze it, adopt the pids of the children it already forked
  // (they may not have been printed yet), then kill it.
  for (const { child, marker } of launchers) {
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    if (!isOurChild(pid, marker)) continue;
    try {
      process.kill(pid, "SIGSTOP");
    } catch {
      continue;
    }
    const listed = readProc(`/proc/${pid}/task/${pid}/children`) ?? "";
    for (const word of listed.split(/\s+/)) {
      const childPid = Number(word);
      if (Number.isInteger(childPid) && childPid > 1 && !orphans.has(childPid))
        orphans.set(childPid, marker);
    }
    if (killVerified(pid, marker)) launchersStopped += 1;
  }
  for (const { child, marker } of children) {
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    if (isOurChild(pid, marker) && killVerified(pid, marker)) childrenKilled += 1;
  }
  let killed = 0;
  let notOurs = 0;
  for (const [pid, marker] of orphans) {
    if (killVerified(pid, marker)) killed += 1;
    else notOurs += 1; // gone, a zombie (empty cmdline), or the pid now belongs to someone else
  }
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (error) {
    process.stderr.write(`bench: could not remove ${dir}: ${error.message}\n`);
  }
  cleanupStats = { killed, notOurs, launchersStopped, childrenKilled, removed: !existsSync(dir) };
  return cleanupStats;
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}: cleaning up…\n`);
    const stats = cleanupSync();
    process.stderr.write(
      `bench: SIGKILLed ${stats.killed} bench processes, ${stats.childrenKilled} running commands, ${stats.launchersStopped} launchers; ${dir} removed: ${stats.removed}\n`,
    );
    process.kill(process.pid, signal); // the listener is gone: the default action ends us
  });
}

// ---------------------------------------------------------------------------------------------
// Processes

function envInt(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name}=${text}: expected an integer ≥ 1`);
  return value;
}

function escapeRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Copies /bin/sleep to `bin`; the token is in the path only (GNU sleep takes no extra args). */
function makeSleepBinary(bin) {
  if (!/^[A-Za-z0-9/._-]+$/.test(bin)) throw new Error(`unsafe path ${bin}`);
  mkdirSync(dirname(bin), { recursive: true, mode: 0o755 });
  copyFileSync("/bin/sleep", bin);
  chmodSync(bin, 0o755);
}

/**
 * Starts `count` `BIN 3600` processes as orphans: a shell backgrounds them, prints their pids
 * and exits, so the kernel reparents them to PID 1 (or a subreaper). `marker` is in the path.
 */
async function launchOrphans(bin, marker, count) {
  const script =
    `i=0; while [ "$i" -lt ${count} ]; do ` +
    `'${bin}' 3600 </dev/null >/dev/null 2>&1 & echo $!; i=$((i+1)); done`;
  const started = performance.now();
  const child = spawn("/bin/sh", ["-c", script], { stdio: ["ignore", "pipe", "inherit"] });
  const entry = { child, marker };
  launchers.add(entry);
  const pids = [];
  let partial = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop();
    for (const line of lines) {
      const pid = Number(line);
      if (!Number.isInteger(pid) || pid <= 1) continue;
      orphans.set(pid, marker);
      pids.push(pid);
    }
  });
  const code = await new Promise((resolveExit, reject) => {
    child.on("error", reject);
    child.on("close", (exitCode, signal) => resolveExit(exitCode ?? signal));
  });
  launchers.delete(entry);
  if (code !== 0) throw new Error(`launcher shell ended with ${code}`);
  if (pids.length !== count) throw new Error(`launcher printed ${pids.length} pids, not ${count}`);
  return { pids, launchMs: performance.now() - started };
}

/** Waits until every pid runs `bin` (exec done); returns pid → startTicks. */
async function waitExecuted(pids, bin, timeoutMs = 120_000) {
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

/** Parents of a sample of the pids: expected PID 1 (or a subreaper). */
function sampleParents(pids, samples = 50) {
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

/** Runs a command, drains stdout, times spawn → close. */
function runTimed(command, args, { marker, env, keepStdout = true } = {}) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: env ? { ...process.env, ...env } : process.env,
    });
    const entry = { child, marker };
    children.add(entry);
    const out = [];
    const err = [];
    let outBytes = 0;
    child.stdout.on("data", (chunk) => {
      outBytes += chunk.length;
      if (keepStdout) out.push(chunk);
    });
    child.stderr.on("data", (chunk) => err.push(chunk));
    child.on("error", (error) => {
      children.delete(entry);
      reject(error);
    });
    child.on("close", (code, signal) => {
      const ms = performance.now() - started;
      children.delete(entry);
      resolveRun({
        ms,
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        outBytes,
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The agent

function writeConfig(file, bin, maxKills) {
  const regex = `^${escapeRegex(bin)} `;
  // The rule must be token-scoped: check before anything runs it.
  if (!regex.includes(escapeRegex(bin)) || !new RegExp(regex).test(`${bin} 3600`))
    throw new Error(`config regex ${regex} does not select ${bin}`);
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
    "    grace: 5s",
    "    tree: false",
    `    max_kills: ${maxKills}`,
    "",
  ].join("\n");
  writeFileSync(file, yaml);
  return regex;
}

/** Agent problems the bench noticed on the way, printed with the summary. */
const agentProblems = [];

async function checkConfig(file) {
  const args = [CLI, "check", "--config", file];
  const run = await runTimed(process.execPath, args, { marker: token });
  if (run.code === 0 && run.stdout.startsWith(`${file}:`)) return run.stdout.trim();
  // `check --config FILE` validated another file: say so, and check FILE through the env.
  const problem = `\`cleanup check --config FILE\` ignores FILE: exit ${run.code}, printed "${run.stdout.trim()}"`;
  if (!agentProblems.includes(problem)) agentProblems.push(problem);
  const viaEnv = await runTimed(process.execPath, [CLI, "check"], {
    marker: CLI,
    env: { CLEANUP_CONFIG: file },
  });
  if (viaEnv.code !== 0 || !viaEnv.stdout.startsWith(`${file}:`))
    throw new Error(`cleanup check of ${file} failed (${viaEnv.code}): ${viaEnv.stderr}`);
  return `${viaEnv.stdout.trim()} (checked via CLEANUP_CONFIG)`;
}

let agentRuns = 0;

/** Runs the agent with the maxRSS preload; returns the timing, exit code, JSON and peak RSS. */
async function runAgent(args, nodeFlags = []) {
  const rssFile = join(dir, `maxrss-${++agentRuns}`);
  const flags = [...NODE_FLAGS, ...nodeFlags, "--import", PRELOAD];
  const run = await runTimed(process.execPath, [...flags, CLI, ...args], {
    marker: token,
    env: { BENCH_MAXRSS_FILE: rssFile },
  });
  let report = null;
  try {
    report = JSON.parse(run.stdout);
  } catch (error) {
    throw new Error(
      `agent output is not JSON (exit ${run.code}): ${error.message}\n${run.stderr.slice(0, 2000)}`,
    );
  }
  const rss = readProc(rssFile);
  return { ...run, report, maxRssKiB: rss === null ? null : Number(rss) };
}

/** Checks a dry run planned a kill of exactly `pids`, each "would-kill". */
function checkDryRun(run, pids, config) {
  const { report } = run;
  if (report.configFile !== config)
    throw new Error(`the agent read ${report.configFile}, not ${config}: refusing to go on`);
  if (run.code !== 0 || report.exitCode !== 0)
    throw new Error(`dry run exited ${run.code} (JSON exitCode ${report.exitCode}): ${run.stderr}`);
  const kills = report.plan.entries.filter((e) => e.action === "kill");
  const foreign = kills.filter((e) => !pids.has(e.process.pid));
  const planned = new Set(kills.map((e) => e.process.pid));
  const missing = [...pids.keys()].filter((pid) => !planned.has(pid));
  const wouldKill = report.results.filter((r) => r.outcome === "would-kill").length;
  if (foreign.length > 0)
    throw new Error(
      `dry run planned ${foreign.length} processes the bench did not start, e.g. pid ${foreign[0].process.pid}: refusing to go on`,
    );
  if (kills.length !== pids.size || missing.length > 0 || wouldKill !== pids.size)
    throw new Error(
      `dry run saw ${kills.length} kill entries and ${wouldKill} would-kill results for ${pids.size} bench processes (${missing.length} missing, ${report.plan.refusals.length} refusals)`,
    );
  return { kills: kills.length, wouldKill, processes: report.scan.processes };
}

// ---------------------------------------------------------------------------------------------
// Figures

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmtMs = (ms) => `${ms.toFixed(0)} ms`;
const fmtMiB = (kib) => (kib === null ? "n/a" : `${(kib / 1024).toFixed(1)} MiB`);
const verdict = (ok) => (ok ? "PASS" : "MISS");
const log = (line) => process.stdout.write(`${line}\n`);

async function timePsRss() {
  if (!existsSync(TIME_BIN)) return null;
  const values = [];
  for (let i = 0; i < RUNS; i++) {
    const out = join(dir, `ps-time-${i}`);
    const run = await runTimed(TIME_BIN, ["-f", "%M", "-o", out, "ps", ...PS_ARGS], {
      marker: PS_ARGS[1],
      keepStdout: false,
    });
    if (run.code !== 0) throw new Error(`${TIME_BIN} ps exited ${run.code}: ${run.stderr}`);
    const kib = Number(readFileSync(out, "utf8").trim().split("\n").pop());
    if (Number.isFinite(kib)) values.push(kib);
  }
  return values.length > 0 ? Math.max(...values) : null;
}

// ---------------------------------------------------------------------------------------------
// A hostile command line: dry runs on the bundled rules with and without it, alternated.

/** A direct child running as nobody: python3 sleeping, `marker` and ~1 MB of "uvicorn". */
async function startHostile(marker) {
  // 14,000 words per argument: 112 kB, under the kernel's 128 KiB per argument.
  const word = Array.from({ length: 14_000 }, () => "uvicorn").join(" ");
  const argv = ["-c", "import time; time.sleep(3600)", marker, ...Array(9).fill(word)];
  const child = spawn("python3", argv, { stdio: "ignore", cwd: "/", uid: NOBODY, gid: NOBODY });
  const entry = { child, marker };
  children.add(entry);
  const deadline = performance.now() + 30_000;
  // Exec'd and asleep in time.sleep: its start-up does not compete with the timed run.
  while (!cmdlineHas(child.pid, marker) || statFields(child.pid)?.state !== "S") {
    if (performance.now() > deadline || child.exitCode !== null)
      throw new Error("the nobody-owned uvicorn process did not start");
    await sleep(20);
  }
  const bytes = (readProc(`/proc/${child.pid}/cmdline`) ?? "").length;
  return { entry, pid: child.pid, bytes };
}

async function hostileArgvCase() {
  const stateDir = join(dir, "hostile-state");
  const args = ["--dry-run", "--json", "--config", BUNDLED, "--state-dir", stateDir];
  const marker = `hostile-${token}`;
  const timed = async () => {
    const run = await runAgent(args);
    if (run.report.configFile !== BUNDLED || run.report.dryRun !== true)
      throw new Error(
        `the hostile-argv case ran ${run.report.configFile} (dryRun ${run.report.dryRun})`,
      );
    return { ms: run.ms, inProcess: run.report.durationMs, rss: run.maxRssKiB, out: run.outBytes };
  };
  await timed(); // warm-up
  const without = [];
  const withIt = [];
  let bytes = 0;
  // Alternated, the process started afresh for each "with" run and killed (by pid, its marker
  // checked) before the next "without" run.
  for (let i = 0; i < RUNS; i++) {
    without.push(await timed());
    const hostile = await startHostile(marker);
    bytes = hostile.bytes;
    try {
      withIt.push(await timed());
    } finally {
      killVerified(hostile.pid, marker);
      await new Promise((r) =>
        hostile.entry.child.exitCode !== null || hostile.entry.child.signalCode !== null
          ? r()
          : hostile.entry.child.once("exit", r),
      );
      children.delete(hostile.entry);
    }
  }
  const row = (label, runs) =>
    `          ${label.padEnd(26)} median ${fmtMs(median(runs.map((r) => r.ms)))} (in-process ${fmtMs(median(runs.map((r) => r.inProcess)))}), peak RSS ${fmtMiB(Math.max(...runs.map((r) => r.rss ?? 0)))}, JSON ${(median(runs.map((r) => r.out)) / 1e3).toFixed(0)} kB`;
  return [
    `hostile   cleanup --dry-run --json on the bundled rules.yaml, ${RUNS} runs each (+1 warm-up):`,
    row("without", without),
    row(`with a ${(bytes / 1e6).toFixed(2)} MB nobody argv`, withIt),
  ];
}

let before = null;

async function main() {
  before = procCount();
  if (ONLY === "hostile-argv") {
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
    mkdirSync(dir, { mode: 0o700 });
    log(["", ...(await hostileArgvCase())].join("\n"));
    return;
  }
  const pidMax = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8"));
  if (before + N + KILL_N + 200 > pidMax)
    throw new Error(`${N + KILL_N} more processes would exceed pid_max ${pidMax}`);
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);

  log(`bench: token ${token}, dir ${dir}, ${before} processes in /proc before`);
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o755);

  // --- The table: N orphans -------------------------------------------------------------------
  const bin = join(dir, `sleep-${token}`);
  makeSleepBinary(bin);
  log(`bench: starting ${N} orphans of ${bin} …`);
  const table = await launchOrphans(bin, token, N);
  const tableTicks = await waitExecuted(table.pids, bin);
  log(
    `bench: ${N} orphans started in ${fmtMs(table.launchMs)}, all running ${bin}; sample parents: ${sampleParents(table.pids)}`,
  );

  const config = join(dir, "bench.yaml");
  const regex = writeConfig(config, bin, Math.max(20_000, N));
  log(`bench: ${await checkConfig(config)} — cmdline ${regex}`);

  // --- Dry run vs ps, alternated, after one warm-up of each ---------------------------------
  const dryArgs = ["--dry-run", "--json", "--config", config];
  const warm = await runAgent(dryArgs);
  const seen = checkDryRun(warm, tableTicks, config);
  await runTimed("ps", PS_ARGS, { marker: PS_ARGS[1], keepStdout: false });
  log(
    `bench: warm-up dry run: ${seen.processes} processes scanned, ${seen.kills} kill entries, ${seen.wouldKill} would-kill; ${(warm.outBytes / 1e6).toFixed(1)} MB of JSON`,
  );

  const dry = [];
  const ps = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await runAgent(dryArgs);
    checkDryRun(run, tableTicks, config);
    dry.push({
      ms: run.ms,
      rss: run.maxRssKiB,
      durationMs: run.report.durationMs,
      scanMs: run.report.scan.scanMs,
      processes: run.report.scan.processes,
    });
    const listing = await runTimed("ps", PS_ARGS, { marker: PS_ARGS[1], keepStdout: false });
    if (listing.code !== 0) throw new Error(`ps exited ${listing.code}: ${listing.stderr}`);
    ps.push({ ms: listing.ms, bytes: listing.outBytes });
    log(
      `bench: run ${i + 1}/${RUNS}: dry run ${fmtMs(run.ms)} (in-process ${run.report.durationMs} ms, scan ${run.report.scan.scanMs} ms), maxRSS ${fmtMiB(run.maxRssKiB)}; ps ${fmtMs(listing.ms)}`,
    );
  }
  const psRssKiB = await timePsRss();
  if (PROFILE_DIR) {
    // One more dry run, not counted, with a CPU profile and a heap profile for reading later.
    mkdirSync(PROFILE_DIR, { recursive: true });
    const flags = ["--cpu-prof", "--heap-prof", "--cpu-prof-dir", PROFILE_DIR];
    checkDryRun(
      await runAgent(dryArgs, [...flags, "--heap-prof-dir", PROFILE_DIR]),
      tableTicks,
      config,
    );
    log(`bench: CPU and heap profiles of one dry run written to ${PROFILE_DIR}`);
  }

  // --- `cleanup port P` (show only, never --free) on the same table -------------------------
  // Every process read in detail plus its socket fds: what an interactive lookup costs. The
  // port is held by this bench process itself.
  const holder = createServer();
  await new Promise((r) => holder.listen(0, "127.0.0.1", r));
  const heldPort = holder.address().port;
  const portRuns = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const run = await runAgent(["port", String(heldPort), "--json", "--config", config]);
      const pids = run.report.holders.map((h) => h.process.pid);
      if (run.code !== 0 || pids.length !== 1 || pids[0] !== process.pid)
        throw new Error(
          `cleanup port ${heldPort} saw holders ${pids.join(", ")} (exit ${run.code})`,
        );
      portRuns.push({ ms: run.ms, rss: run.maxRssKiB });
    }
  } finally {
    holder.close();
  }
  const portMedian = median(portRuns.map((r) => r.ms));
  const portRss = Math.max(...portRuns.map((r) => r.rss ?? 0));
  log(
    `bench: cleanup port: ${portRuns.map((r) => fmtMs(r.ms)).join(", ")}; peak RSS ${fmtMiB(portRss)}`,
  );

  // --- What host monitoring adds to a run, with a previous sample (issue: ≤ 50 ms) -----------
  // Live runs, so they save CPU counters for the next one; the only rule names a path nothing
  // runs from (inside the bench's own token directory), so they cannot signal anything.
  const idleBin = join(dir, `never-${token}`, `sleep-${token}`);
  const idleConfig = join(dir, "bench-host.yaml");
  writeConfig(idleConfig, idleBin, 1);
  const hostStateDir = join(dir, "host-state");
  const hostRuns = [];
  for (let i = 0; i < 1 + RUNS; i++) {
    const run = await runAgent(["--json", "--config", idleConfig, "--state-dir", hostStateDir]);
    if (run.report.results.length !== 0)
      throw new Error("the host-metrics config acted on something");
    if (i > 0) hostRuns.push(run.report);
  }
  const hostFromPrevious = hostRuns.filter((r) => r.host.cpu?.source === "previous-run");
  const hostMs = median(hostFromPrevious.map((r) => r.timings.hostMs));
  log(
    `bench: host metrics with a previous sample: ${hostFromPrevious.length}/${hostRuns.length} runs used it; host time ${hostFromPrevious.map((r) => r.timings.hostMs).join(", ")} ms (metrics read ${hostFromPrevious.map((r) => Math.round(r.host.readMs)).join(", ")} ms)`,
  );

  // --- Real kill of KILL_N orphans from a second token path ---------------------------------
  const token2 = randomBytes(8).toString("hex");
  const bin2 = join(dir, `kill-${token2}`, `sleep-${token2}`);
  makeSleepBinary(bin2);
  log(`bench: starting ${KILL_N} orphans of ${bin2} …`);
  const victims = await launchOrphans(bin2, token2, KILL_N);
  const victimTicks = await waitExecuted(victims.pids, bin2);
  log(
    `bench: ${KILL_N} orphans started in ${fmtMs(victims.launchMs)}; sample parents: ${sampleParents(victims.pids)}`,
  );
  const config2 = join(dir, `kill-${token2}`, "bench-kill.yaml");
  const regex2 = writeConfig(config2, bin2, KILL_N);
  if (!regex2.includes(token2)) throw new Error("kill config is not token-scoped");
  log(`bench: ${await checkConfig(config2)} — cmdline ${regex2}`);

  // Safety gate: the same config, dry, must plan exactly our KILL_N pids and nothing else.
  const gate = checkDryRun(
    await runAgent(["--dry-run", "--json", "--config", config2]),
    victimTicks,
    config2,
  );
  log(`bench: safety gate: dry run of the kill config plans exactly the ${gate.kills} bench pids`);

  const stateDir = join(dir, "state");
  const real = await runAgent(["--json", "--config", config2, "--state-dir", stateDir]);
  if (real.report.configFile !== config2)
    throw new Error(`the real run read ${real.report.configFile}, not ${config2}`);
  const outcomes = {};
  for (const r of real.report.results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const dead = (outcomes.terminated ?? 0) + (outcomes.killed ?? 0);
  const foreign = real.report.results.filter((r) => !victimTicks.has(r.pid)).length;
  const elapsed = real.report.results.map((r) => r.elapsedMs).filter((v) => typeof v === "number");
  const maxElapsed = elapsed.length > 0 ? Math.max(...elapsed) : null;
  const auditLines = (readProc(join(stateDir, "audit.jsonl")) ?? "").split("\n").filter(Boolean);

  // Independent check: gone, a zombie, or the pid now has another start time.
  let alive = 0;
  let zombies = 0;
  for (const [pid, ticks] of victimTicks) {
    const stat = statFields(pid);
    if (!stat || stat.startTicks !== ticks) continue;
    if (stat.state === "Z" || stat.state === "X") zombies += 1;
    else alive += 1;
  }
  log(
    `bench: real run ${fmtMs(real.ms)}, exit ${real.code}; outcomes ${JSON.stringify(outcomes)}; max elapsedMs ${maxElapsed}; independently alive ${alive}, zombies ${zombies}`,
  );

  const hostileLines = await hostileArgvCase();

  // --- Summary ------------------------------------------------------------------------------
  const cpus = os.cpus();
  const dryMedian = median(dry.map((d) => d.ms));
  const dryMin = Math.min(...dry.map((d) => d.ms));
  const dryRss = dry.map((d) => d.rss).filter((v) => v !== null);
  const dryRssMax = dryRss.length > 0 ? Math.max(...dryRss) : null;
  const psMedian = median(ps.map((p) => p.ms));
  const psMin = Math.min(...ps.map((p) => p.ms));
  const speedOk = dryMedian <= psMedian;
  const rssOk = dryRssMax !== null && dryRssMax < TARGET_RSS_KIB;
  const hostOk = hostFromPrevious.length > 0 && hostMs <= 50;
  const killOk =
    dead === KILL_N &&
    foreign === 0 &&
    alive === 0 &&
    maxElapsed !== null &&
    maxElapsed <= TARGET_KILL_MS;

  const lines = [
    "",
    "==================== cleanup benchmark ====================",
    `machine   ${cpus.length} CPUs × ${cpus[0]?.model ?? "?"}`,
    `          ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${os.release()}, Node ${process.version}`,
    ...(NODE_FLAGS.length > 0 ? [`          agent runs with node ${NODE_FLAGS.join(" ")}`] : []),
    `table     ${dry[0].processes} processes seen by the agent (${N} bench orphans; ${KILL_N} more during the kill phase)`,
    `launch    ${N} orphans in ${fmtMs(table.launchMs)}, ${KILL_N} in ${fmtMs(victims.launchMs)}`,
    "",
    `dry run   cleanup --dry-run --json, ${RUNS} runs (+1 warm-up), wall time spawn → exit:`,
    `          median ${fmtMs(dryMedian)}, min ${fmtMs(dryMin)}; in-process median ${fmtMs(median(dry.map((d) => d.durationMs)))} (scan ${fmtMs(median(dry.map((d) => d.scanMs)))})`,
    `          peak RSS max ${fmtMiB(dryRssMax)} (runs: ${dryRss.map((k) => (k / 1024).toFixed(1)).join(", ")} MiB)`,
    `          plan: ${seen.kills} kill entries, ${seen.wouldKill} would-kill; ${(warm.outBytes / 1e6).toFixed(1)} MB JSON`,
    `ps        ps ${PS_ARGS.join(" ")}, ${RUNS} runs (+1 warm-up):`,
    `          median ${fmtMs(psMedian)}, min ${fmtMs(psMin)}; ${(ps[0].bytes / 1e6).toFixed(1)} MB output; ` +
      (psRssKiB === null ? "max RSS n/a (no /usr/bin/time)" : `max RSS ${fmtMiB(psRssKiB)}`),
    `port      cleanup port P --json (show only; P held by the bench), ${RUNS} runs: every process read in detail, with its socket fds:`,
    `          median ${fmtMs(portMedian)}, peak RSS max ${fmtMiB(portRss)} (no target: an interactive command)`,
    "",
    `kill      cleanup --json (real), ${KILL_N} token-scoped orphans, grace 5s:`,
    `          wall ${fmtMs(real.ms)} (in-process ${real.report.durationMs} ms), exit ${real.code} (JSON exitCode ${real.report.exitCode}), peak RSS ${fmtMiB(real.maxRssKiB)}`,
    `          outcomes ${JSON.stringify(outcomes)}; terminated+killed ${dead}/${KILL_N}; not ours ${foreign}`,
    `          max elapsedMs (first signal → confirmed death) ${maxElapsed} ms; audit lines ${auditLines.length}`,
    `          independent check: ${alive} alive, ${zombies} zombies (count as dead), ${KILL_N - alive - zombies} gone`,
    "",
    ...hostileLines,
    "",
    "targets",
    `  ${verdict(speedOk)}  dry run at ${N} processes no slower than ps: median ${fmtMs(dryMedian)} vs ${fmtMs(psMedian)} (×${(dryMedian / psMedian).toFixed(2)})`,
    `  ${verdict(rssOk)}  dry run peak RSS under 80 MiB: ${fmtMiB(dryRssMax)}`,
    `  ${verdict(killOk)}  ${KILL_N} cooperative orphans confirmed dead within 2 s: ${dead}/${KILL_N} dead, max ${maxElapsed} ms, ${alive} alive after`,
    `  ${verdict(hostOk)}  host metrics add ≤ 50 ms to a run with a previous sample: median ${hostFromPrevious.length > 0 ? fmtMs(hostMs) : "n/a"} (CPU state of ${N}+ processes read and written, /proc metrics and PSI, statfs of /, thresholds)`,
    ...(agentProblems.length > 0
      ? ["", "agent problems noticed", ...agentProblems.map((p) => `  - ${p}`)]
      : []),
    "===========================================================",
  ];
  log(lines.join("\n"));
}

async function waitReaped(timeoutMs = 30_000) {
  const deadline = performance.now() + timeoutMs;
  let left = [...orphans.keys()];
  while (left.length > 0 && performance.now() < deadline) {
    left = left.filter((pid) => {
      const stat = statFields(pid);
      return stat !== null && (stat.state === "Z" || stat.state === "X");
    });
    if (left.length > 0) await sleep(200);
  }
  return left.length;
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: FAILED: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = 1;
} finally {
  const stats = cleanupSync();
  const zombiesLeft = await waitReaped();
  log(
    `cleanup: SIGKILLed ${stats.killed} bench processes (${stats.notOurs} already gone), ${stats.childrenKilled} running commands; ${dir} removed: ${stats.removed}; ` +
      `${zombiesLeft} zombies not yet reaped; /proc now ${procCount()} processes${before === null ? "" : ` (${before} before)`}`,
  );
}
