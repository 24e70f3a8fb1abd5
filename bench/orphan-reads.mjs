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
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { builds, log, median, runAgent as runAgentWith, runBench } from "./lib/measure.mjs";
import {
  checkPidRoom,
  checkPlannedExactly,
  countAlive,
  createBench,
  envCounts,
  envInt,
  makeSleepBinary,
  procCount,
  statFields,
  writeKillConfig,
} from "./lib/orphans.mjs";

/** BENCH_BASELINE_CLI: another build's cli.js, run alternately with CLI on the same table. */
const { cli: CLI, baseline: BASELINE } = builds();
const AGENTS = BASELINE ? [CLI, BASELINE] : [CLI];
const N = envInt("BENCH_PROCESSES", 10_000);
const RUNS = envInt("BENCH_RUNS", 3);
const COUNTS = envCounts("BENCH_ORPHANS", "10,1000");

// The token, /tmp/cleanup-orphan-bench-<token>, the processes started (fillers, the filler's
// shell, each round's orphans) and their cleanup by pid, the marker checked (also on
// SIGINT/SIGTERM/SIGHUP): bench/lib/orphans.mjs.
const bench = createBench({
  prefix: "/tmp/cleanup-orphan-bench",
  signalMessage: (signal, stats) =>
    `\nbench: ${signal}: SIGKILLed ${stats.killed + stats.launchersStopped} bench processes\n`,
});
const { token, dir } = bench;

/** The agent's run, timed, and its JSON report. */
const runAgent = (cli, args) => runAgentWith(bench, cli, args);

/** The kill config: its only rule, `cmdline: ^BIN ` + `orphaned: true`, scoped to `marker`. */
const writeConfig = (file, bin, marker, maxKills) =>
  writeKillConfig(file, bin, { marker, maxKills });

/** Exactly our pids planned: else the live run must not start. */
const gate = (run, ticks, config) => checkPlannedExactly(run, ticks, config, { strict: false });

async function oneRound(cli, count, round) {
  const token2 = randomBytes(8).toString("hex");
  const bin = join(dir, `kill-${token2}`, `sleep-${token2}`);
  makeSleepBinary(bin);
  const { pids } = await bench.launchOrphans(bin, token2, count);
  const ticks = await bench.waitExecuted(pids, bin);
  const config = join(dir, `kill-${token2}`, "bench.yaml");
  writeConfig(config, bin, token2, count);
  // Other orphans on the host (not the bench's): a live run reads them too.
  const otherOrphans = readdirSync("/proc").filter(
    (name) =>
      /^[0-9]+$/.test(name) && !bench.ours.has(Number(name)) && statFields(name)?.ppid === 1,
  ).length;
  const dry = await runAgent(cli, ["--dry-run", "--json", "--config", config]);
  gate(dry, ticks, config);
  const stateDir = join(dir, `state-${token2}`);
  const live = await runAgent(cli, ["--json", "--config", config, "--state-dir", stateDir]);
  const foreign = live.report.results.filter((r) => !ticks.has(r.pid)).length;
  if (foreign > 0) throw new Error(`the live run acted on ${foreign} processes not the bench's`);
  const { alive } = countAlive(ticks);
  const dead = live.report.results.filter(
    (r) => r.outcome === "terminated" || r.outcome === "killed",
  ).length;
  for (const pid of pids) bench.forget(pid);
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
  const before = procCount();
  const fill = Math.max(0, N - before);
  checkPidRoom(fill + Math.max(...COUNTS));
  log(
    `bench: token ${token}, agent ${CLI}${BASELINE ? `, baseline ${BASELINE}` : ""}; ${before} processes before, ${fill} fillers`,
  );
  const fillerBin = join(dir, `filler-${token}`, `sleep-${token}`);
  makeSleepBinary(fillerBin);
  const filler = await bench.launchOrphans(fillerBin, token, fill, { stay: true });
  await bench.waitExecuted(filler.pids, fillerBin);
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

await runBench(main, async () => {
  const stats = bench.cleanupSync();
  log(
    `cleanup: SIGKILLed ${stats.killed + stats.launchersStopped} bench processes; ${dir} removed: ${stats.removed}`,
  );
});
