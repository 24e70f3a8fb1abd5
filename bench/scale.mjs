// Scale benchmark (issue 14): `cleanup --dry-run --json` on the bundled rules at ~1,000, ~10,000
// and ~20,000 processes beside peers timed in the same rounds, and the kill timings of a live
// run. `npm run bench:scale` (or `node bench/scale.mjs` after a build).
//
// 1. Kill timings, at ~1,000 processes (the host's own plus the victims): each round starts
//    BENCH_KILL (1,000) cooperative orphans of a token-named copy of /bin/sleep, checks that a
//    dry run of a config whose only rule is `cmdline: ^<that path> ` + `orphaned: true` plans
//    exactly those pids, then runs it live: whole live run wall time, in-process time, the first
//    signal (audit log) and the last confirmed death (+ elapsedMs) after spawn. Then the same
//    with BENCH_STUBBORN (200) orphans that ignore SIGTERM (set by the launcher shell, inherited
//    across exec) and `grace: BENCH_GRACE` (1s): the run must wait the grace and SIGKILL them.
//    Both live runs use a state dir holding a previous run's CPU state, as a timer's run would.
// 2. Tables: tops the table up with token-named orphaned sleeps to each of BENCH_SIZES
//    (1000,10000,20000) processes, then times in BENCH_RUNS (5) rounds (+1 warm-up; order
//    rotated each round so a busy moment of this shared machine falls on each alike):
//      node -e 0 · ps -eo pid,ppid,user,etimes,rss,args · pgrep -f -P 1 -O 1 '^<filler path> '
//      · a C program reading every /proc/PID/stat (built with cc in the token dir; skipped
//      without a compiler) · cleanup --dry-run --json --config rules.yaml (the bundled rules of
//      that build) with a state dir holding a previous run's CPU state (made by a live run of a
//      token-scoped config whose only rule names a path nothing runs) and with an empty one
//      (the run then waits for its CPU sample: timings.sampleWaitMs).
//    Peak RSS of each command: BENCH_RSS_RUNS (2) more runs under /usr/bin/time -f %M.
//    With BENCH_BASELINE_CLI (another build's dist/cli.js, its rules.yaml beside its dist/), its
//    cases run in the same rounds, alternating.
// Prints each figure with its ratios to the peers of the same run, the targets beside them, and
// how each cost grows per 1,000 processes.
//
// Safety: the bundled rules run only with --dry-run (checked in every report). Live runs use only
// configs whose single rule matches a token path, and a kill config runs live only after its dry
// run planned exactly the bench's own pids. The bench signals only processes it started, by pid,
// after checking /proc/PID/cmdline still holds its token (bench/lib/orphans.mjs), in `finally`
// and on SIGINT/SIGTERM/SIGHUP. It holds the bench lock (BENCH_LOCK, default
// /work/wt/bench.lock where /work/wt exists, else /tmp/cleanup-bench.lock; "none": no lock) for
// its whole run: two big tables never coexist under pid_max.
//
// Environment: BENCH_SIZES (1000,10000,20000), BENCH_RUNS (5), BENCH_RSS_RUNS (2),
// BENCH_KILL (1000), BENCH_STUBBORN (200), BENCH_GRACE (1s), BENCH_KILL_TABLE (1000: processes
// during the kill timings, topped up with fillers), BENCH_ONLY (kill | tables),
// BENCH_CLI (dist/cli.js), BENCH_BASELINE_CLI (unset), BENCH_LOCK (see above),
// BENCH_HOST (unset: this host as it is; clean: see below).
//
// Leftover files: the bundled rules have `files:` rules, and a host with leaked multiprocessing
// files (/dev/shm/sem.mp-*, psm_*, /tmp/pymp-* …) makes every run look for their holders in
// every process's maps and fds (as fuser does). The header says how many such names this host
// has. BENCH_HOST=clean runs the whole bench in a mount namespace of its own with empty tmpfs on
// /dev/shm and /tmp (unshare --mount): a host with no leftovers, the same processes.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  builds,
  fmtMiB,
  holdLock,
  loadAvg,
  log,
  machine,
  median,
  min,
  parseReport,
  ROOT,
  runAgent,
  runBench,
  timeMaxRss,
  verdict,
} from "./lib/measure.mjs";
import {
  checkPidRoom,
  checkPlannedExactly,
  countAlive,
  createBench,
  envCounts,
  envInt,
  escapeRegex,
  ignoresTerm,
  makeSleepBinary,
  procCount,
  procPids,
  readProc,
  sampleParents,
  statFields,
  writeKillConfig,
} from "./lib/orphans.mjs";

const REEXEC = process.env.BENCH_HOST === "clean" && process.env.BENCH_IN_CLEAN_HOST !== "1";
if (REEXEC) {
  // Re-run this very bench inside the namespace; the pid namespace stays the host's.
  const script =
    'mount -t tmpfs -o mode=1777 bench-shm /dev/shm && mount -t tmpfs -o mode=1777 bench-tmp /tmp && exec "$0" "$@"';
  const inner = spawnSync(
    "unshare",
    [
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      script,
      process.execPath,
      ...process.argv.slice(1),
    ],
    { stdio: "inherit", env: { ...process.env, BENCH_IN_CLEAN_HOST: "1" } },
  );
  if (inner.error) throw inner.error;
  // The outer bench does nothing else: its exit code is the inner one's.
  process.exitCode = inner.status ?? 1;
} else if (process.env.BENCH_HOST && process.env.BENCH_HOST !== "clean") {
  throw new Error(`BENCH_HOST=${process.env.BENCH_HOST}: expected clean or unset`);
}

/** Names the bundled file rules look at, on this host (or in the clean namespace). */
function leftoverNames() {
  const count = (dir, re) => {
    try {
      return readdirSync(dir).filter((n) => re.test(n)).length;
    } catch {
      return 0;
    }
  };
  const shm = count("/dev/shm", /^(psm_|sem\.mp-|sem\.loky-|torch_)/);
  const pymp = count("/tmp", /^pymp-/);
  return `${shm} multiprocessing names in /dev/shm, ${pymp} /tmp/pymp-* dirs${process.env.BENCH_IN_CLEAN_HOST === "1" ? " (BENCH_HOST=clean: empty tmpfs on /dev/shm and /tmp)" : ""}`;
}

const { cli: CLI, baseline: BASELINE } = builds();
const SIZES = envCounts("BENCH_SIZES", "1000,10000,20000");
const RUNS = envInt("BENCH_RUNS", 5);
const RSS_RUNS = envInt("BENCH_RSS_RUNS", 2);
const KILL_N = envInt("BENCH_KILL", 1_000);
const STUBBORN_N = envInt("BENCH_STUBBORN", 200);
const GRACE = process.env.BENCH_GRACE || "1s";
const GRACE_MS = parseGrace(GRACE);
const ONLY = process.env.BENCH_ONLY ?? "";
if (!["", "kill", "tables"].includes(ONLY))
  throw new Error(`BENCH_ONLY=${ONLY}: expected kill or tables`);
const LOCK = lockPath(process.env.BENCH_LOCK);
const PS_ARGS = ["-eo", "pid,ppid,user,etimes,rss,args"];
/** Outcomes only a signal can give: never in a dry run's report. */
const SIGNALLED = new Set(["terminated", "killed", "survived", "stuck"]);
/** Where the kill timings run: the host's processes, fillers and the victims, this many. */
const KILL_TABLE = envInt("BENCH_KILL_TABLE", 1_000);

const TARGETS = {
  dry1kNode: 1.6,
  dry10kPs: 0.6,
  dry10kPgrep: 0.55,
  rss10kKiB: 64 * 1024,
  dry20kPs: 0.6,
  killWallMs: 500,
  stubbornOverGraceMs: 300,
};

function parseGrace(text) {
  const m = /^([0-9]+)(ms|s)$/.exec(text);
  if (!m) throw new Error(`BENCH_GRACE=${text}: expected e.g. 1s or 1500ms`);
  return Number(m[1]) * (m[2] === "s" ? 1000 : 1);
}

function lockPath(value) {
  if (value === "none") return null;
  if (value) return resolve(value);
  return existsSync("/work/wt") && statSync("/work/wt").isDirectory()
    ? "/work/wt/bench.lock"
    : "/tmp/cleanup-bench.lock";
}

/** Each build under test: its cli.js, its bundled rules (beside its dist/) and a tag. */
const AGENTS = [
  { tag: "cleanup", cli: CLI },
  ...(BASELINE ? [{ tag: "baseline", cli: BASELINE }] : []),
].map((a, i) => {
  const rules = join(dirname(dirname(a.cli)), "rules.yaml");
  return { ...a, i, rules: existsSync(rules) ? rules : join(ROOT, "rules.yaml") };
});

const fmt = (ms) => (ms === null || ms === undefined ? "n/a" : `${ms.toFixed(0)} ms`);
const ratio = (a, b) => (a === null || b === null || !b ? "n/a" : `×${(a / b).toFixed(2)}`);
const thousands = (n) => n.toLocaleString("en-US");
/** The median of the numbers among `values`, null if there are none (a field a build lacks). */
const medianOf = (values) => {
  const xs = values.filter((v) => typeof v === "number" && Number.isFinite(v));
  return xs.length > 0 ? median(xs) : null;
};

// The token, /tmp/cleanup-scale-<token>, the processes started and their cleanup by pid, the
// marker checked: bench/lib/orphans.mjs. Made only once the lock is held.
let bench = null;
let before = null;

// ---------------------------------------------------------------------------------------------
// Set-up: the C stat reader, the idle config, the warm state dirs

const STAT_READER_C = `/* cleanup scale bench: reads every /proc/PID/stat once, prints how many. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
  DIR *d = opendir("/proc");
  if (!d) return 1;
  char path[64], buf[1024];
  long n = 0, bytes = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    ssize_t r = read(fd, buf, sizeof buf);
    close(fd);
    if (r > 0) { n++; bytes += r; }
  }
  closedir(d);
  printf("%ld %ld\\n", n, bytes);
  return 0;
}
`;

// The floor of a kill round: the least a program can do to kill these orphans. It takes the
// bench's pids (a file, one per line) and its token; for each pid whose /proc/PID/cmdline still
// starts with a path holding the token it sends SIGTERM, then polls every /proc/PID/stat until
// each is gone or a zombie. Prints the ms the signals took and the ms until all were dead.
const KILLER_C = `/* cleanup scale bench: SIGTERM the bench's own pids (token checked), wait until all dead. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
static double ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static int slurp(const char *path, char *buf, int size) {
  int fd = open(path, O_RDONLY); if (fd < 0) return -1;
  int r = read(fd, buf, size - 1); close(fd); if (r < 0) return -1; buf[r] = 0; return r;
}
int main(int argc, char **argv) {
  if (argc != 3) return 2;
  FILE *f = fopen(argv[1], "r"); if (!f) return 2;
  static int pids[100000]; int n = 0, pid;
  while (n < 100000 && fscanf(f, "%d", &pid) == 1) if (pid > 1) pids[n++] = pid;
  fclose(f);
  char path[64], buf[4096];
  double t0 = ms();
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "/proc/%d/cmdline", pids[i]);
    if (slurp(path, buf, sizeof buf) <= 0 || !strstr(buf, argv[2])) { pids[i] = 0; continue; }
    kill(pids[i], SIGTERM);
  }
  double t1 = ms();
  for (int left = n; left > 0;) {
    left = 0;
    for (int i = 0; i < n; i++) {
      if (!pids[i]) continue;
      snprintf(path, sizeof path, "/proc/%d/stat", pids[i]);
      if (slurp(path, buf, sizeof buf) <= 0) { pids[i] = 0; continue; }
      char *close_paren = strrchr(buf, ')');
      if (!close_paren || close_paren[2] == 'Z' || close_paren[2] == 'X') { pids[i] = 0; continue; }
      left++;
    }
    if (left) usleep(2000);
  }
  printf("%.1f %.1f\\n", t1 - t0, ms() - t0);
  return 0;
}
`;

/** Builds the kill-loop peer in the token dir; null without a compiler. */
function buildKiller() {
  const source = join(bench.dir, "killer.c");
  const binary = join(bench.dir, `killer-${bench.token}`);
  writeFileSync(source, KILLER_C);
  const cc = spawnSync("cc", ["-O2", "-o", binary, source], { encoding: "utf8" });
  return cc.error || cc.status !== 0 ? null : binary;
}

/**
 * The peer round: `count` cooperative orphans killed by the C kill loop. The launch is the
 * same as the agent's rounds; the loop signals only pids whose cmdline holds the round's token.
 */
async function peerKillRound(killer, count) {
  const token2 = randomBytes(8).toString("hex");
  const bin = join(bench.dir, `peer-${token2}`, `sleep-${token2}`);
  makeSleepBinary(bin);
  const launched = await bench.launchOrphans(bin, token2, count, { ignoreTerm: false });
  const ticks = await bench.waitExecuted(launched.pids, bin);
  const list = join(dirname(bin), "pids");
  writeFileSync(list, `${[...ticks.keys()].join("\n")}\n`);
  const started = Date.now();
  const run = spawnSync(killer, [list, `sleep-${token2}`], { encoding: "utf8" });
  const wall = Date.now() - started;
  if (run.status !== 0) throw new Error(`the kill loop exited ${run.status}: ${run.stderr}`);
  const [signalsMs, allDeadMs] = run.stdout.trim().split(/\s+/).map(Number);
  const { alive } = countAlive(ticks);
  if (alive === 0) for (const pid of launched.pids) bench.forget(pid);
  return { ms: wall, signalsMs, allDeadMs, alive };
}

/** Builds the stat reader in the token dir; null (and why) without a compiler. */
function buildStatReader() {
  const source = join(bench.dir, "statread.c");
  const binary = join(bench.dir, `statread-${bench.token}`);
  writeFileSync(source, STAT_READER_C);
  const cc = spawnSync("cc", ["-O2", "-o", binary, source], { encoding: "utf8" });
  if (cc.error || cc.status !== 0)
    return { binary: null, why: cc.error ? cc.error.message : cc.stderr.trim().slice(0, 200) };
  return { binary, why: null };
}

/**
 * The idle config: its only rule kills orphans running a token path nothing runs. A live run
 * of it signals nothing and leaves a previous run's CPU state in its state dir.
 */
function writeIdleConfig() {
  const never = join(bench.dir, `never-${bench.token}`, `sleep-${bench.token}`);
  const file = join(bench.dir, "idle.yaml");
  writeKillConfig(file, never, { marker: bench.token, maxKills: 1, grace: "1s" });
  return { file, never };
}

/** A live run of the idle config into `stateDir`; checks it did nothing. */
async function warmState(agent, idle, stateDir) {
  if (existsSync(idle.never)) throw new Error(`${idle.never} exists: the idle rule could match`);
  const run = await runAgent(bench, agent.cli, [
    "--json",
    "--config",
    idle.file,
    "--state-dir",
    stateDir,
  ]);
  const { report } = run;
  if (report.configFile !== idle.file || report.dryRun !== false)
    throw new Error(`the idle run read ${report.configFile} (dryRun ${report.dryRun})`);
  if (report.results.length > 0 || report.plan.entries.length > 0)
    throw new Error("the idle config planned or acted on something: refusing to go on");
  if (!existsSync(join(stateDir, "cpu.json")))
    throw new Error(`the idle run left no cpu.json in ${stateDir}`);
  return run;
}

// ---------------------------------------------------------------------------------------------
// Kill timings

/** ms from `spawnedAt` (epoch ms) to the first SIGTERM of `ticks`' pids in the audit log. */
function firstSignalAfter(auditFile, ticks, spawnedAt) {
  let first = null;
  for (const line of (readProc(auditFile) ?? "").split("\n")) {
    if (!line) continue;
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (ticks.get(record.pid) !== record.startTicks || !record.signal) continue;
    const at = Date.parse(record.time);
    if (Number.isFinite(at) && (first === null || at < first)) first = at;
  }
  return first === null ? null : first - spawnedAt;
}

/** One live kill round: `count` orphans (ignoring SIGTERM if `stubborn`), gate, live run. */
async function killRound(agent, count, { stubborn, grace, stateDir }) {
  const token2 = randomBytes(8).toString("hex");
  const bin = join(bench.dir, `${stubborn ? "stub" : "kill"}-${token2}`, `sleep-${token2}`);
  makeSleepBinary(bin);
  const launched = await bench.launchOrphans(bin, token2, count, { ignoreTerm: stubborn });
  const ticks = await bench.waitExecuted(launched.pids, bin);
  if (stubborn) {
    const notIgnoring = launched.pids.filter((pid) => !ignoresTerm(pid)).length;
    if (notIgnoring > 0) throw new Error(`${notIgnoring} stubborn orphans do not ignore SIGTERM`);
  }
  const config = join(dirname(bin), "kill.yaml");
  writeKillConfig(config, bin, { marker: token2, maxKills: count, grace });
  // The gate: the same config, dry, plans exactly our pids and nothing else.
  const dry = await runAgent(bench, agent.cli, [
    "--dry-run",
    "--json",
    "--config",
    config,
    "--state-dir",
    stateDir,
  ]);
  checkPlannedExactly(dry, ticks, config);
  const spawnedAt = Date.now();
  const live = await runAgent(bench, agent.cli, [
    "--json",
    "--config",
    config,
    "--state-dir",
    stateDir,
  ]);
  const { report } = live;
  if (report.configFile !== config || report.dryRun !== false)
    throw new Error(`the live run read ${report.configFile} (dryRun ${report.dryRun})`);
  const foreign = report.results.filter((r) => ticks.get(r.pid) !== r.startTicks).length;
  if (foreign > 0) throw new Error(`the live run acted on ${foreign} processes not the bench's`);
  const outcomes = {};
  for (const r of report.results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const dead = (outcomes.terminated ?? 0) + (outcomes.killed ?? 0);
  const elapsed = report.results.map((r) => r.elapsedMs).filter((v) => typeof v === "number");
  const maxElapsed = elapsed.length > 0 ? Math.max(...elapsed) : null;
  const firstSignal = firstSignalAfter(join(stateDir, "audit.jsonl"), ticks, spawnedAt);
  const { alive } = countAlive(ticks);
  // Dead and confirmed: their pids may be reused by anyone now. Else cleanup kills them later.
  if (alive === 0) for (const pid of launched.pids) bench.forget(pid);
  return {
    processes: report.scan.processes,
    ms: live.ms,
    durationMs: report.durationMs,
    sampleWaitMs: report.timings?.sampleWaitMs ?? null,
    firstSignal,
    allDead: firstSignal !== null && maxElapsed !== null ? firstSignal + maxElapsed : null,
    maxElapsed,
    dead,
    alive,
    outcomes,
    launchMs: launched.launchMs,
  };
}

async function killPhase(idle) {
  const lines = [];
  checkPidRoom(KILL_N + 100);
  const states = AGENTS.map((a) => join(bench.dir, `kill-state-${a.i}`));
  for (const a of AGENTS) await warmState(a, idle, states[a.i]);
  const kinds = [
    { key: "cooperative", count: KILL_N, stubborn: false, grace: "5s", graceMs: 5000 },
    { key: "stubborn", count: STUBBORN_N, stubborn: true, grace: GRACE, graceMs: GRACE_MS },
  ];
  const results = {};
  const killer = buildKiller();
  if (!killer) log("bench: no C kill loop (cc failed): that peer is skipped");
  const peer = [];
  for (const kind of kinds) {
    for (const a of AGENTS) results[`${kind.key}:${a.tag}`] = [];
    // ~1,000 processes once this kind's victims run: the host's, fillers, the victims.
    await topUp(KILL_TABLE - kind.count);
    for (let round = 1; round <= RUNS; round++) {
      if (killer && !kind.stubborn) {
        const r = await peerKillRound(killer, kind.count);
        peer.push(r);
        log(
          `bench: kill ${kind.key} C kill loop round ${round}/${RUNS}: whole ${fmt(r.ms)}, signals ${fmt(r.signalsMs)}, all dead ${fmt(r.allDeadMs)}; ${r.alive} alive after; load ${loadAvg()}`,
        );
      }
      for (const a of round % 2 === 1 ? AGENTS : [...AGENTS].reverse()) {
        const r = await killRound(a, kind.count, { ...kind, stateDir: states[a.i] });
        results[`${kind.key}:${a.tag}`].push(r);
        log(
          `bench: kill ${kind.key} ${a.tag} round ${round}/${RUNS}: ${r.processes} processes; live run ${fmt(r.ms)} (in-process ${fmt(r.durationMs)}, sample wait ${fmt(r.sampleWaitMs)}); first signal ${fmt(r.firstSignal)}, all dead ${fmt(r.allDead)} after spawn; ${JSON.stringify(r.outcomes)}, ${r.alive} alive after; load ${loadAvg()}`,
        );
      }
    }
  }
  lines.push(
    `kill timings at ~${thousands(KILL_TABLE)} processes, ${RUNS} rounds, live runs with a previous run's CPU state; medians (min):`,
    "| build | orphans | processes | whole live run | in-process | CPU sample wait | first signal | all confirmed dead | dead | target |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  const verdicts = [];
  for (const kind of kinds) {
    for (const a of AGENTS) {
      const rows = results[`${kind.key}:${a.tag}`];
      const m = (key) => medianOf(rows.map((r) => r[key]));
      const mn = (key) => {
        const xs = rows.map((r) => r[key]).filter((v) => v !== null);
        return xs.length > 0 ? min(xs) : null;
      };
      const limit =
        kind.key === "cooperative"
          ? TARGETS.killWallMs
          : kind.graceMs + TARGETS.stubbornOverGraceMs;
      const targetText =
        kind.key === "cooperative"
          ? `≤ ${fmt(limit)}`
          : `≤ grace ${kind.grace} + ${TARGETS.stubbornOverGraceMs} ms`;
      const allDead = rows.every((r) => r.dead === kind.count && r.alive === 0);
      const ok = allDead && m("ms") <= limit;
      lines.push(
        `| ${a.tag} | ${kind.count} ${kind.key}${kind.stubborn ? ` (grace ${kind.grace})` : ""} | ${thousands(Math.round(m("processes")))} | ${fmt(m("ms"))} (${fmt(mn("ms"))}) | ${fmt(m("durationMs"))} | ${fmt(m("sampleWaitMs"))} | ${fmt(m("firstSignal"))} | ${fmt(m("allDead"))} | ${rows.map((r) => r.dead).join("/")} | ${a.i === 0 ? `${verdict(ok)} ${targetText}` : targetText} |`,
      );
      if (a.i === 0)
        verdicts.push(
          `  ${verdict(ok)}  ${kind.count} ${kind.key} orphans: whole live run median ${fmt(m("ms"))} ${targetText}${allDead ? "" : " (not all confirmed dead!)"}`,
        );
    }
  }
  if (peer.length > 0) {
    const pm = (key) => medianOf(peer.map((r) => r[key]));
    lines.push(
      `| C kill loop (peer) | ${KILL_N} cooperative | | ${fmt(pm("ms"))} | | | ${fmt(0)} | ${fmt(pm("allDeadMs"))} | ${peer.map((r) => (r.alive === 0 ? KILL_N : KILL_N - r.alive)).join("/")} | the floor: kill(2) ×${KILL_N} took ${fmt(pm("signalsMs"))} |`,
    );
  }
  lines.push(
    "  (first signal and all confirmed dead: ms after the live run's spawn, from its audit log and each result's elapsedMs; the C kill loop: after its start)",
  );
  return { lines, verdicts };
}

// ---------------------------------------------------------------------------------------------
// Tables

let fillerBin = null;
const fillerPids = [];

/** Processes now, zombies left out (a killed orphan's zombie waits for PID 1 to reap it). */
const liveCount = () =>
  procPids().filter((pid) => !["Z", "X", undefined].includes(statFields(pid)?.state)).length;

/** Tops the table up to `total` (live) processes with orphaned filler sleeps. */
async function topUp(total) {
  const now = liveCount();
  const more = total - now;
  if (more <= 0) return { added: 0, launchMs: 0, now };
  checkPidRoom(more, 500);
  log(`bench: starting ${thousands(more)} filler orphans (${thousands(now)} processes now) …`);
  const launched = await bench.launchOrphans(fillerBin, bench.token, more);
  await bench.waitExecuted(launched.pids, fillerBin);
  fillerPids.push(...launched.pids);
  log(
    `bench: ${thousands(more)} fillers in ${fmt(launched.launchMs)}; sample parents: ${sampleParents(launched.pids, 20)}`,
  );
  return { added: more, launchMs: launched.launchMs, now };
}

function dryCheck(agent, kind) {
  return (run) => {
    const report = parseReport(run);
    // Never the bundled rules live: every report of them must say dry run.
    if (report.dryRun !== true || report.configFile !== agent.rules)
      throw new Error(
        `the ${agent.tag} run of ${report.configFile} was not a dry run of ${agent.rules}: stopping`,
      );
    const acted = report.results.filter((r) => SIGNALLED.has(r.outcome)).length;
    if (acted > 0) throw new Error(`a dry run reported ${acted} signalled processes: stopping`);
    return {
      durationMs: report.durationMs,
      timings: report.timings ?? {},
      processes: report.scan?.processes ?? null,
      detailed: report.scan?.detailed ?? null,
      cpuSource: report.host?.cpu?.source ?? null,
      jsonBytes: run.outBytes,
      kind,
    };
  };
}

function tableCases(statReader, fillerRegex, warmDirs, emptyDirs) {
  const cases = [
    { key: "node", label: "node -e 0", cmd: process.execPath, args: ["-e", "0"], ok: [0] },
    {
      key: "ps",
      label: `ps ${PS_ARGS.join(" ")}`,
      cmd: "ps",
      args: PS_ARGS,
      ok: [0],
      marker: PS_ARGS[1],
    },
    {
      key: "pgrep",
      label: "pgrep -f -P 1 -O 1 '^<filler path> '",
      cmd: "pgrep",
      args: ["-f", "-P", "1", "-O", "1", fillerRegex],
      ok: [0, 1],
      marker: fillerRegex,
    },
    ...(statReader
      ? [
          {
            key: "cstat",
            label: "C: read every /proc/PID/stat",
            cmd: statReader,
            args: [],
            ok: [0],
            marker: statReader,
          },
        ]
      : []),
  ];
  for (const a of AGENTS) {
    for (const [kind, dirs] of [
      ["warm", warmDirs],
      ["empty", emptyDirs],
    ]) {
      cases.push({
        key: `${a.tag}:${kind}`,
        label: `${a.tag} --dry-run --json, rules.yaml, ${kind === "warm" ? "previous CPU state" : "empty state dir"}`,
        cmd: process.execPath,
        args: [a.cli, "--dry-run", "--json", "--config", a.rules, "--state-dir", dirs[a.i]],
        // 1: done, but a rule of the bundled rules is over its budget on this host (say so).
        ok: [0, 1],
        marker: bench.token,
        agent: a,
        kind,
        emptyDir: kind === "empty" ? dirs[a.i] : null,
        check: dryCheck(a, kind),
      });
    }
  }
  return cases;
}

async function runCase(c) {
  // The empty state dir stays empty: a dry run writes nothing, but make sure.
  if (c.emptyDir && existsSync(c.emptyDir)) {
    if (readdirSync(c.emptyDir).length > 0)
      log(`bench: ${c.emptyDir} was not empty after a dry run: emptied`);
    rmSync(c.emptyDir, { recursive: true, force: true });
  }
  // A case without a marker (node -e 0) is never signalled by the cleanup: it ends by itself.
  const run = await bench.runTimed(c.cmd, c.args, {
    marker: c.marker,
    keepStdout: Boolean(c.check),
  });
  if (!c.ok.includes(run.code))
    throw new Error(`${c.label} exited ${run.code ?? run.signal}: ${run.stderr.slice(0, 500)}`);
  return { ms: run.ms, code: run.code, lines: run.outLines, ...(c.check ? c.check(run) : {}) };
}

async function tableSize(size, statReader, fillerRegex, idle) {
  const filled = await topUp(size);
  const warmDirs = AGENTS.map((a) => join(bench.dir, `warm-${size}-${a.i}`));
  const emptyDirs = AGENTS.map((a) => join(bench.dir, `empty-${size}-${a.i}`));
  // A previous run's CPU state of this very table, as the timer's last run would have left.
  for (const a of AGENTS) await warmState(a, idle, warmDirs[a.i]);
  const cases = tableCases(statReader, fillerRegex, warmDirs, emptyDirs);
  const loadStart = loadAvg();
  const results = new Map(cases.map((c) => [c.key, []]));
  for (const c of cases) await runCase(c); // warm-up: page cache, dentries
  for (let round = 0; round < RUNS; round++) {
    const line = [];
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(round + k) % cases.length];
      const r = await runCase(c);
      results.get(c.key).push(r);
      line.push(`${c.key} ${fmt(r.ms)}`);
    }
    log(`bench: ${thousands(size)} round ${round + 1}/${RUNS}: ${line.join(", ")}`);
  }
  const loadEnd = loadAvg();
  // Peak RSS: a few more runs of each under /usr/bin/time (not timed).
  const rss = new Map();
  for (const c of cases) {
    const values = [];
    for (let i = 0; i < RSS_RUNS; i++) {
      if (c.emptyDir) rmSync(c.emptyDir, { recursive: true, force: true });
      const kib = await timeMaxRss(bench, join(bench.dir, "rss"), c.cmd, c.args, {
        marker: c.marker,
        okCodes: c.ok,
      });
      if (kib !== null) values.push(kib);
    }
    rss.set(c.key, values.length > 0 ? Math.max(...values) : null);
  }
  const processes = procCount();
  return { size, processes, filled, cases, results, rss, loadStart, loadEnd };
}

function summarizeSize(t) {
  const med = (key) => (t.results.has(key) ? median(t.results.get(key).map((r) => r.ms)) : null);
  const peers = { node: med("node"), ps: med("ps"), pgrep: med("pgrep"), cstat: med("cstat") };
  const agentRuns = t.results.get("cleanup:warm");
  const seen = (agentRuns && medianOf(agentRuns.map((r) => r.processes))) ?? t.processes;
  const lines = [
    "",
    `--- ${thousands(t.size)}: the agent saw ${thousands(seen)} processes (${thousands(fillerPids.length)} bench fillers${t.filled.added === 0 ? `; the table was already at ${thousands(t.filled.now)}, no filler added` : ""}); load ${t.loadStart} → ${t.loadEnd}; ${RUNS} rounds (+1 warm-up)`,
    "| command | median | min | ×node -e 0 | ×ps | ×pgrep | ×C stat | peak RSS |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const c of t.cases) {
    const runs = t.results.get(c.key);
    const m = median(runs.map((r) => r.ms));
    lines.push(
      `| ${c.label} | ${fmt(m)} | ${fmt(min(runs.map((r) => r.ms)))} | ${ratio(m, peers.node)} | ${ratio(m, peers.ps)} | ${ratio(m, peers.pgrep)} | ${ratio(m, peers.cstat)} | ${fmtMiB(t.rss.get(c.key))} |`,
    );
  }
  const pgrepRuns = t.results.get("pgrep");
  lines.push(`  pgrep matched ${median(pgrepRuns.map((r) => r.lines))} processes`);
  for (const c of t.cases.filter((k) => k.agent)) {
    const runs = t.results.get(c.key);
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.timings)))];
    const timing = keys
      .map((k) => `${k} ${fmt(medianOf(runs.map((r) => r.timings[k])))}`)
      .join(", ");
    const sources = [...new Set(runs.map((r) => r.cpuSource))].join("/");
    const codes = runs.filter((r) => r.code !== 0).length;
    lines.push(
      `  ${c.label}: in-process ${fmt(medianOf(runs.map((r) => r.durationMs)))} (${timing}); detailed ${medianOf(runs.map((r) => r.detailed)) ?? "n/a"}; CPU from ${sources}; JSON ${(median(runs.map((r) => r.jsonBytes)) / 1e6).toFixed(2)} MB` +
        (codes > 0 ? `; exit 1 in ${codes} runs (a bundled rule over its budget here?)` : ""),
    );
  }
  return { lines, med, peers, seen };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  for (const a of AGENTS) {
    if (!existsSync(a.cli)) throw new Error(`${a.cli} missing: run npm run build first`);
    if (!existsSync(a.rules)) throw new Error(`${a.rules} missing`);
  }
  const big =
    Math.max(ONLY !== "kill" ? Math.max(...SIZES) : 0, ONLY !== "tables" ? KILL_TABLE : 0) +
      (ONLY !== "tables" ? KILL_N : 0) >
    500;
  if (LOCK && big) log(`bench: lock ${await holdLock(LOCK)}`);
  before = procCount();
  bench = createBench({ prefix: "/tmp/cleanup-scale" });
  log(
    `bench: token ${bench.token}, dir ${bench.dir}; ${before} processes before; load ${loadAvg()}; ${machine()}`,
  );
  log(`bench: leftover files for the bundled file rules: ${leftoverNames()}`);
  log(`bench: agents ${AGENTS.map((a) => `${a.tag} ${a.cli} (rules ${a.rules})`).join("; ")}`);
  const idle = writeIdleConfig();
  fillerBin = join(bench.dir, `fill-${bench.token}`, `sleep-${bench.token}`);
  makeSleepBinary(fillerBin);
  const output = [];
  const verdicts = [];

  if (ONLY !== "tables") {
    const kill = await killPhase(idle);
    output.push(...kill.lines);
    verdicts.push(...kill.verdicts);
    log(["", ...kill.lines].join("\n"));
  }

  if (ONLY !== "kill") {
    const { binary: statReader, why } = buildStatReader();
    if (!statReader) log(`bench: no C stat reader (cc: ${why}): that peer is skipped`);
    const fillerRegex = `^${escapeRegex(fillerBin)} `;
    const sizes = [];
    for (const size of [...SIZES].sort((a, b) => a - b)) {
      const t = await tableSize(size, statReader, fillerRegex, idle);
      const s = summarizeSize(t);
      sizes.push({ ...t, ...s });
      log(s.lines.join("\n"));
      output.push(...s.lines);
    }
    // Growth: what 1,000 more processes cost each command, between consecutive sizes.
    if (sizes.length > 1) {
      const keys = sizes[0].cases.map((c) => [c.key, c.label]);
      output.push("", "growth per 1,000 more processes (median ms between consecutive sizes):");
      for (const [key, label] of keys) {
        const steps = [];
        for (let i = 1; i < sizes.length; i++) {
          const a = sizes[i - 1];
          const b = sizes[i];
          const per = ((b.med(key) - a.med(key)) / (b.seen - a.seen)) * 1000;
          const sign = per >= 0 ? "+" : "−";
          steps.push(
            `${thousands(a.size)}→${thousands(b.size)} ${sign}${Math.abs(per).toFixed(1)} ms`,
          );
        }
        output.push(`  ${label}: ${steps.join(", ")}`);
      }
    }
    for (const s of sizes) {
      for (const kind of ["warm", "empty"]) {
        const key = `cleanup:${kind}`;
        const m = s.med(key);
        const what = kind === "warm" ? "previous CPU state" : "empty state dir";
        if (s.size === 1000)
          verdicts.push(
            `  ${verdict(m <= TARGETS.dry1kNode * s.peers.node)}  1k dry run (${what}) ${fmt(m)} ${ratio(m, s.peers.node)} node -e 0 (target ≤ ×${TARGETS.dry1kNode})`,
          );
        if (s.size === 10000) {
          verdicts.push(
            `  ${verdict(m <= TARGETS.dry10kPs * s.peers.ps)}  10k dry run (${what}) ${fmt(m)} ${ratio(m, s.peers.ps)} ps (target ≤ ×${TARGETS.dry10kPs})`,
            `  ${verdict(m <= TARGETS.dry10kPgrep * s.peers.pgrep)}  10k dry run (${what}) ${ratio(m, s.peers.pgrep)} pgrep (target ≤ ×${TARGETS.dry10kPgrep})`,
          );
          const kib = s.rss.get(key);
          verdicts.push(
            `  ${verdict(kib !== null && kib <= TARGETS.rss10kKiB)}  10k dry run (${what}) peak RSS ${fmtMiB(kib)} (target ≤ 64 MiB)`,
          );
        }
        if (s.size === 20000)
          verdicts.push(
            `  ${verdict(m <= TARGETS.dry20kPs * s.peers.ps)}  20k dry run (${what}) ${fmt(m)} ${ratio(m, s.peers.ps)} ps (target ≤ ×${TARGETS.dry20kPs})`,
          );
      }
    }
  }

  log(
    [
      "",
      "==================== cleanup scale benchmark (issue 14) ====================",
      `machine   ${machine()}; load at the end ${loadAvg()}`,
      `agent     ${CLI}${BASELINE ? `\nbaseline  ${BASELINE}` : ""}`,
      `leftovers ${leftoverNames()}`,
      ...output,
      "",
      "targets (this build)",
      ...verdicts,
      "============================================================================",
    ].join("\n"),
  );
}

if (!REEXEC)
  await runBench(main, async () => {
    if (!bench) return;
    const stats = bench.cleanupSync();
    const zombies = await bench.waitReaped();
    log(
      `cleanup: SIGKILLed ${stats.killed} bench processes (${stats.notOurs} already gone), ${stats.childrenKilled} running commands, ${stats.launchersStopped} launchers; ${bench.dir} removed: ${stats.removed}; ${zombies} zombies not yet reaped; /proc now ${procCount()} processes (${before} before)`,
    );
  });
