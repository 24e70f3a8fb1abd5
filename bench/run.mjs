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
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  fmtMiB,
  fmtMs,
  log,
  median,
  ROOT,
  runBench,
  runAgent as runAgentWith,
  timeMaxRss,
  verdict,
} from "./lib/measure.mjs";
import {
  checkPidRoom,
  checkPlannedExactly,
  cmdlineHas,
  countAlive,
  createBench,
  envInt,
  killVerified,
  makeSleepBinary,
  procCount,
  readProc,
  sampleParents,
  statFields,
  writeKillConfig,
} from "./lib/orphans.mjs";

const CLI = join(ROOT, "dist", "cli.js");

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

const TARGET_RSS_KIB = 80 * 1024;
const TARGET_KILL_MS = 2_000;

// The token, its directory /tmp/cleanup-bench-<token>, the processes started and their cleanup
// (by pid, the marker checked; also on SIGINT/SIGTERM/SIGHUP): bench/lib/orphans.mjs.
const bench = createBench({ prefix: "/tmp/cleanup-bench" });
const { token, dir } = bench;

// ---------------------------------------------------------------------------------------------
// The agent

/** The token-scoped kill config (bench/lib/orphans.mjs): only orphans running `bin`. */
const writeConfig = (file, bin, maxKills) =>
  writeKillConfig(file, bin, { marker: token, maxKills });

/** Agent problems the bench noticed on the way, printed with the summary. */
const agentProblems = [];

async function checkConfig(file) {
  const args = [CLI, "check", "--config", file];
  const run = await bench.runTimed(process.execPath, args, { marker: token });
  if (run.code === 0 && run.stdout.startsWith(`${file}:`)) return run.stdout.trim();
  // `check --config FILE` validated another file: say so, and check FILE through the env.
  const problem = `\`cleanup check --config FILE\` ignores FILE: exit ${run.code}, printed "${run.stdout.trim()}"`;
  if (!agentProblems.includes(problem)) agentProblems.push(problem);
  const viaEnv = await bench.runTimed(process.execPath, [CLI, "check"], {
    marker: CLI,
    env: { CLEANUP_CONFIG: file },
  });
  if (viaEnv.code !== 0 || !viaEnv.stdout.startsWith(`${file}:`))
    throw new Error(`cleanup check of ${file} failed (${viaEnv.code}): ${viaEnv.stderr}`);
  return `${viaEnv.stdout.trim()} (checked via CLEANUP_CONFIG)`;
}

let agentRuns = 0;

/** Runs the agent with the maxRSS preload; returns the timing, exit code, JSON and peak RSS. */
const runAgent = (args, nodeFlags = []) =>
  runAgentWith(bench, CLI, args, {
    nodeFlags: [...NODE_FLAGS, ...nodeFlags],
    maxRssFile: join(dir, `maxrss-${++agentRuns}`),
  });

/** Checks a dry run planned a kill of exactly `pids`, each "would-kill". */
const checkDryRun = (run, pids, config) => checkPlannedExactly(run, pids, config);

async function timePsRss() {
  const values = [];
  for (let i = 0; i < RUNS; i++) {
    const kib = await timeMaxRss(bench, join(dir, `ps-time-${i}`), "ps", PS_ARGS, {
      marker: PS_ARGS[1],
    });
    if (kib === null) return null; // no /usr/bin/time
    values.push(kib);
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
  const { child, entry } = bench.spawnChild(
    "python3",
    argv,
    { stdio: "ignore", cwd: "/", uid: NOBODY, gid: NOBODY },
    marker,
  );
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
    log(["", ...(await hostileArgvCase())].join("\n"));
    return;
  }
  checkPidRoom(N + KILL_N);
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);

  log(`bench: token ${token}, dir ${dir}, ${before} processes in /proc before`);

  // --- The table: N orphans -------------------------------------------------------------------
  const bin = join(dir, `sleep-${token}`);
  makeSleepBinary(bin);
  log(`bench: starting ${N} orphans of ${bin} …`);
  const table = await bench.launchOrphans(bin, token, N);
  const tableTicks = await bench.waitExecuted(table.pids, bin);
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
  await bench.runTimed("ps", PS_ARGS, { marker: PS_ARGS[1], keepStdout: false });
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
    const listing = await bench.runTimed("ps", PS_ARGS, { marker: PS_ARGS[1], keepStdout: false });
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
  const victims = await bench.launchOrphans(bin2, token2, KILL_N);
  const victimTicks = await bench.waitExecuted(victims.pids, bin2);
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
  const { alive, zombies } = countAlive(victimTicks);
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

await runBench(main, async () => {
  const stats = bench.cleanupSync();
  const zombiesLeft = await bench.waitReaped();
  log(
    `cleanup: SIGKILLed ${stats.killed} bench processes (${stats.notOurs} already gone), ${stats.childrenKilled} running commands; ${dir} removed: ${stats.removed}; ` +
      `${zombiesLeft} zombies not yet reaped; /proc now ${procCount()} processes${before === null ? "" : ` (${before} before)`}`,
  );
});
