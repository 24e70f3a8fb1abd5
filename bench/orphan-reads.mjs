// How many processes a live run reads in detail when its only kill rule requires `orphaned: true`
// (issue 14: O(orphans), not O(processes)). See `npm run bench:orphan-reads`.
//
// 1. Fills the table up to BENCH_PROCESSES (default 10,000) with `sleep 3600` processes of a
//    copy of /bin/sleep at /tmp/cleanup-orphan-bench-<token>/filler-<token>/sleep-<token>, all
//    children of one shell that stays alive: none is an orphan.
// 2. For each count K in BENCH_ORPHANS (default 10,1000), BENCH_RUNS times (default 3): starts K
//    orphans of a second copy at …/kill-<token2>/sleep-<token2>, checks that a dry run of a
//    config whose only rule is `cmdline: ^<that path> ` + `orphaned: true` plans exactly those K
//    pids, then runs the agent live with it (it kills them) and records the live run's detail
//    reads (report.scan.detailed, notDetailed), its wall time and the dry run's figures.
//
// Safety: the bench signals only processes it started, by pid, after checking that
// /proc/PID/cmdline still holds its token. The live run's config matches only the kill token's
// path, and runs only after a dry run of that same config planned exactly the bench's own pids.
// Everything is cleaned up in `finally` and on SIGINT/SIGTERM/SIGHUP.
//
// Environment: BENCH_PROCESSES (10000), BENCH_ORPHANS (10,1000), BENCH_RUNS (3),
// BENCH_CLI (dist/cli.js), BENCH_BASELINE_CLI (unset: another build's cli.js, e.g. the build
// before a change, run alternately with BENCH_CLI, each on its own K orphans, for before/after
// figures under the same load).
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
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = resolve(process.env.BENCH_CLI ?? join(ROOT, "dist", "cli.js"));
/** BENCH_BASELINE_CLI: another build's cli.js, run alternately with CLI on the same table. */
const BASELINE = process.env.BENCH_BASELINE_CLI ? resolve(process.env.BENCH_BASELINE_CLI) : null;
const AGENTS = BASELINE ? [CLI, BASELINE] : [CLI];
const N = envInt("BENCH_PROCESSES", 10_000);
const RUNS = envInt("BENCH_RUNS", 3);
const COUNTS = (process.env.BENCH_ORPHANS ?? "10,1000").split(",").map((text) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`BENCH_ORPHANS=${process.env.BENCH_ORPHANS}: expected counts ≥ 1`);
  return value;
});

const token = randomBytes(8).toString("hex");
const dir = `/tmp/cleanup-orphan-bench-${token}`;

/** Processes the bench started: pid → the marker its cmdline holds. */
const started = new Map();
/** Shells still running (the filler's parent, launchers): { child, marker }. */
const shells = new Set();
let cleanedUp = false;

const log = (line) => process.stdout.write(`${line}\n`);

function envInt(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name}=${text}: expected an integer ≥ 1`);
  return value;
}

function readProc(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

function statFields(pid) {
  const text = readProc(`/proc/${pid}/stat`);
  if (text === null) return null;
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: rest[0], ppid: Number(rest[1]), startTicks: Number(rest[19]) };
}

const cmdlineHas = (pid, marker) => readProc(`/proc/${pid}/cmdline`)?.includes(marker) === true;
const procCount = () => readdirSync("/proc").filter((name) => /^[0-9]+$/.test(name)).length;

/** SIGKILL `pid` only if its cmdline still holds `marker`. */
function killVerified(pid, marker) {
  if (!Number.isInteger(pid) || pid <= 1 || !marker || !cmdlineHas(pid, marker)) return false;
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

function cleanupSync() {
  if (cleanedUp) return { killed: 0 };
  cleanedUp = true;
  let killed = 0;
  for (const { child, marker } of shells) {
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    // Our own child, still running the shell we gave the marker to.
    if (statFields(pid)?.ppid !== process.pid || !cmdlineHas(pid, marker)) continue;
    try {
      process.kill(pid, "SIGSTOP");
    } catch {
      continue;
    }
    // Children it forked but had not printed yet.
    for (const word of (readProc(`/proc/${pid}/task/${pid}/children`) ?? "").split(/\s+/)) {
      const childPid = Number(word);
      if (Number.isInteger(childPid) && childPid > 1 && !started.has(childPid))
        started.set(childPid, marker);
    }
    if (killVerified(pid, marker)) killed += 1;
  }
  for (const [pid, marker] of started) if (killVerified(pid, marker)) killed += 1;
  rmSync(dir, { recursive: true, force: true });
  return { killed, removed: !existsSync(dir) };
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    const stats = cleanupSync();
    process.stderr.write(`\nbench: ${signal}: SIGKILLed ${stats.killed} bench processes\n`);
    process.kill(process.pid, signal);
  });
}

function makeSleepBinary(bin) {
  if (!/^[A-Za-z0-9/._-]+$/.test(bin)) throw new Error(`unsafe path ${bin}`);
  mkdirSync(dirname(bin), { recursive: true, mode: 0o755 });
  copyFileSync("/bin/sleep", bin);
  chmodSync(bin, 0o755);
}

/**
 * Starts `count` `BIN 3600` from a shell that prints their pids; `stay`: the shell then waits
 * (its children keep a live parent), else it exits (they are orphans). Resolves once all are
 * printed, with the shell's child entry.
 */
function launch(bin, marker, count, stay) {
  const script =
    `i=0; while [ "$i" -lt ${count} ]; do ` +
    `'${bin}' 3600 </dev/null >/dev/null 2>&1 & echo $!; i=$((i+1)); done; ` +
    (stay ? "echo ready; exec 1>&-; wait" : "exit 0");
  // The marker is in the shell's argv too: cleanup checks it before signalling the shell.
  const child = spawn("/bin/sh", ["-c", script, marker], { stdio: ["ignore", "pipe", "inherit"] });
  const entry = { child, marker };
  shells.add(entry);
  const pids = [];
  let partial = "";
  child.stdout.setEncoding("utf8");
  return new Promise((resolveLaunch, reject) => {
    child.on("error", reject);
    child.stdout.on("data", (chunk) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop();
      for (const line of lines) {
        if (line === "ready") return resolveLaunch({ pids, entry });
        const pid = Number(line);
        if (Number.isInteger(pid) && pid > 1) {
          started.set(pid, marker);
          pids.push(pid);
        }
      }
    });
    child.on("close", (code) => {
      if (stay) return reject(new Error(`filler shell ended early (${code})`));
      shells.delete(entry);
      if (code !== 0 || pids.length !== count)
        return reject(new Error(`launcher ended ${code} after ${pids.length}/${count} pids`));
      resolveLaunch({ pids, entry });
    });
  });
}

/** Waits until every pid runs `bin`; returns pid → startTicks. */
async function waitExecuted(pids, bin, timeoutMs = 180_000) {
  const deadline = performance.now() + timeoutMs;
  const ticks = new Map();
  let pending = pids;
  while (pending.length > 0) {
    pending = pending.filter((pid) => {
      const cmdline = readProc(`/proc/${pid}/cmdline`);
      if (cmdline === null) throw new Error(`pid ${pid} vanished before running ${bin}`);
      if (!cmdline.startsWith(`${bin}\0`)) return true;
      ticks.set(pid, statFields(pid).startTicks);
      return false;
    });
    if (pending.length === 0) break;
    if (performance.now() > deadline) throw new Error(`${pending.length} not running ${bin}`);
    await sleep(50);
  }
  return ticks;
}

function runAgent(cli, args) {
  return new Promise((resolveRun, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const out = [];
    const err = [];
    child.stdout.on("data", (c) => out.push(c));
    child.stderr.on("data", (c) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - t0;
      const text = Buffer.concat(out).toString("utf8");
      try {
        resolveRun({ ms, code, report: JSON.parse(text) });
      } catch {
        reject(new Error(`agent output is not JSON (exit ${code}): ${Buffer.concat(err)}`));
      }
    });
  });
}

function escapeRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function writeConfig(file, bin, marker, maxKills) {
  const regex = `^${escapeRegex(bin)} `;
  if (!regex.includes(marker) || !new RegExp(regex).test(`${bin} 3600`))
    throw new Error(`config regex ${regex} is not scoped to ${marker}`);
  writeFileSync(
    file,
    [
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
    ].join("\n"),
  );
}

/** Exactly our pids planned, each would-kill: else the live run must not start. */
function gate(run, ticks, config) {
  const { report } = run;
  if (report.configFile !== config) throw new Error(`the agent read ${report.configFile}`);
  const kills = report.plan.entries.filter((e) => e.action === "kill");
  const foreign = kills.filter((e) => !ticks.has(e.process.pid));
  if (foreign.length > 0 || kills.length !== ticks.size)
    throw new Error(
      `dry run planned ${kills.length} kills (${foreign.length} not the bench's) for ${ticks.size}: refusing to go on`,
    );
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function oneRound(cli, count, round) {
  const token2 = randomBytes(8).toString("hex");
  const bin = join(dir, `kill-${token2}`, `sleep-${token2}`);
  makeSleepBinary(bin);
  const { pids } = await launch(bin, token2, count, false);
  const ticks = await waitExecuted(pids, bin);
  const config = join(dir, `kill-${token2}`, "bench.yaml");
  writeConfig(config, bin, token2, count);
  // Other orphans on the host (not the bench's): a live run reads them too.
  const otherOrphans = readdirSync("/proc").filter(
    (name) => /^[0-9]+$/.test(name) && !started.has(Number(name)) && statFields(name)?.ppid === 1,
  ).length;
  const dry = await runAgent(cli, ["--dry-run", "--json", "--config", config]);
  gate(dry, ticks, config);
  const stateDir = join(dir, `state-${token2}`);
  const live = await runAgent(cli, ["--json", "--config", config, "--state-dir", stateDir]);
  const foreign = live.report.results.filter((r) => !ticks.has(r.pid)).length;
  if (foreign > 0) throw new Error(`the live run acted on ${foreign} processes not the bench's`);
  let alive = 0;
  for (const [pid, startTicks] of ticks) {
    const stat = statFields(pid);
    if (stat && stat.startTicks === startTicks && stat.state !== "Z" && stat.state !== "X")
      alive += 1;
  }
  const dead = live.report.results.filter(
    (r) => r.outcome === "terminated" || r.outcome === "killed",
  ).length;
  for (const pid of pids) started.delete(pid);
  const row = {
    processes: live.report.scan.processes,
    otherOrphans,
    liveDetailed: live.report.scan.detailed,
    notDetailed: live.report.scan.notDetailed ?? null,
    liveMs: live.ms,
    liveInProcess: live.report.durationMs,
    liveScanMs: live.report.scan.scanMs,
    dryDetailed: dry.report.scan.detailed,
    dryMs: dry.ms,
    dead,
    alive,
  };
  log(
    `bench: ${cli === CLI ? "agent" : "baseline"}, ${count} orphans, round ${round}: ${row.processes} processes (${otherOrphans} other children of PID 1); live run read ${row.liveDetailed} in detail` +
      `${row.notDetailed === null ? "" : ` (${row.notDetailed} not)`}, ${row.liveMs.toFixed(0)} ms wall (in-process ${row.liveInProcess} ms, scan ${row.liveScanMs} ms), killed ${dead}/${count}, ${alive} alive after; ` +
      `dry run read ${row.dryDetailed}, ${row.dryMs.toFixed(0)} ms`,
  );
  return row;
}

async function main() {
  for (const cli of AGENTS)
    if (!existsSync(cli)) throw new Error(`${cli} missing: run npm run build first`);
  mkdirSync(dir, { mode: 0o755 });
  const before = procCount();
  const fill = Math.max(0, N - before);
  const pidMax = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8"));
  if (before + fill + Math.max(...COUNTS) + 200 > pidMax)
    throw new Error(`the bench would exceed pid_max ${pidMax}`);
  log(
    `bench: token ${token}, agent ${CLI}${BASELINE ? `, baseline ${BASELINE}` : ""}; ${before} processes before, ${fill} fillers`,
  );
  const fillerBin = join(dir, `filler-${token}`, `sleep-${token}`);
  makeSleepBinary(fillerBin);
  const filler = await launch(fillerBin, token, fill, true);
  await waitExecuted(filler.pids, fillerBin);
  log(`bench: ${fill} fillers running under shell ${filler.entry.child.pid}`);

  const results = [];
  for (const count of COUNTS) {
    const rows = new Map(AGENTS.map((cli) => [cli, []]));
    for (let round = 1; round <= RUNS; round++)
      for (const cli of AGENTS) rows.get(cli).push(await oneRound(cli, count, round));
    for (const cli of AGENTS) results.push({ cli, count, rows: rows.get(cli) });
  }
  const lines = [
    "",
    "=========== live run, kill rule `orphaned: true` + a token cmdline ===========",
    ...results.map(({ cli, count, rows }) => {
      const m = (key) => median(rows.map((r) => r[key]));
      const not = rows.every((r) => r.notDetailed !== null) ? `, ${m("notDetailed")} not` : "";
      return (
        `${cli === CLI ? "agent   " : "baseline"} ${String(count).padStart(5)} orphans among ${m("processes")} (${m("otherOrphans")} other children of PID 1): live run read ${m("liveDetailed")} in detail${not}; ` +
        `wall median ${m("liveMs").toFixed(0)} ms (in-process ${m("liveInProcess")} ms, scan ${m("liveScanMs")} ms); ` +
        `killed ${rows.map((r) => r.dead).join("/")}; dry run read ${m("dryDetailed")}, ${m("dryMs").toFixed(0)} ms`
      );
    }),
    `agent ${CLI}`,
    ...(BASELINE ? [`baseline ${BASELINE}`] : []),
    "==============================================================================",
  ];
  log(lines.join("\n"));
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: FAILED: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = 1;
} finally {
  const stats = cleanupSync();
  log(`cleanup: SIGKILLed ${stats.killed} bench processes; ${dir} removed: ${stats.removed}`);
}
