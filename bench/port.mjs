// `cleanup port N` benchmark (issue 14): a busy and a free port at BENCH_PROCESSES (10,000)
// processes, against `ss -ltnp 'sport = :N'` and `lsof -i :N` measured in the same rounds.
// `npm run bench:port` (or `node bench/port.mjs` after a build).
//
// Starts BENCH_PROCESSES orphaned `sleep` processes from a token-named copy of /bin/sleep and one
// python listener (a token-named symlink to the interpreter) on a random high port of 127.0.0.1;
// the free port is one this bench bound and released, checked absent from /proc/net/tcp*. Each
// round runs every case once, the order rotated from round to round, so that a busy moment of
// this shared machine falls on each alike; prints medians (and min) and the ratios to `ss`.
//
// Safety: `cleanup port` runs without --free (it only reads). The bench signals only processes it
// started, by pid, after checking that their cmdline still holds the token path; it cleans up in
// `finally` and on SIGINT/SIGTERM/SIGHUP.
// Environment: BENCH_PROCESSES (10000), BENCH_RUNS (11), BENCH_PORT_BASELINE=PATH/cli.js: also
// times that build's two cases in the same rounds (before/after measured side by side).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import { join, resolve } from "node:path";
import { median, ROOT } from "./lib/measure.mjs";
import { createBench, envInt, makeSleepBinary, readProc } from "./lib/orphans.mjs";

const CLI = join(ROOT, "dist", "cli.js");
const N = envInt("BENCH_PROCESSES", 10_000);
const RUNS = envInt("BENCH_RUNS", 11);
const BASELINE = process.env.BENCH_PORT_BASELINE ? resolve(process.env.BENCH_PORT_BASELINE) : null;

/** BENCH_PROFILE_DIR=DIR: also profile one busy and one free run (node --cpu-prof) into DIR. */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR ? resolve(process.env.BENCH_PROFILE_DIR) : null;

// The token, /tmp/cleanup-portbench-<token>, the processes started (the sleeps, the listener)
// and their cleanup by pid, the token path checked in the cmdline (also on SIGINT/SIGTERM/SIGHUP):
// bench/lib/orphans.mjs.
const bench = createBench({
  prefix: "/tmp/cleanup-portbench",
  signalMessage: (_signal, stats) => cleanupMessage(stats),
});
const { token, dir } = bench;
const sleepBin = join(dir, `sleep-${token}`);
const python = join(dir, `python3-${token}`);

const cleanupMessage = (stats) =>
  `bench: SIGKILLed ${stats.killed + stats.childrenKilled + stats.launchersStopped} bench processes; ${dir} removed\n`;

/** `count` orphaned `sleepBin 3600`, every one exec'd (its cmdline names the copy). */
async function launchOrphans(count) {
  const { pids } = await bench.launchOrphans(sleepBin, sleepBin, count);
  await bench.waitExecuted(pids, sleepBin);
}

/** The token python listening on 127.0.0.1 (a random port); resolves {pid, port}. */
async function startListener() {
  const script =
    "import socket,sys,time\n" +
    "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(16)\n" +
    "print(s.getsockname()[1], flush=True)\n" +
    "time.sleep(3600)\n";
  const { child } = bench.spawnChild(
    python,
    ["-c", script, token],
    { stdio: ["ignore", "pipe", "inherit"] },
    python,
  );
  child.stdout.setEncoding("utf8");
  const port = await new Promise((done, fail) => {
    child.on("error", fail);
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
      if (text.includes("\n")) done(Number(text.trim()));
    });
  });
  return { pid: child.pid, port };
}

/** Ports of every socket in this namespace's tables (any state). */
function portsInTables() {
  const ports = new Set();
  for (const proto of ["tcp", "tcp6", "udp", "udp6"]) {
    for (const line of (readProc(`/proc/net/${proto}`) ?? "").split("\n").slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local) ports.add(parseInt(local.slice(local.indexOf(":") + 1), 16));
    }
  }
  return ports;
}

async function freePortNumber() {
  for (;;) {
    const server = createServer();
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address();
    await new Promise((r) => server.close(r));
    if (!portsInTables().has(port)) return port;
  }
}

const timeRun = (command, args) => bench.runTimed(command, args);

const fmt = (ms) => `${ms.toFixed(0)} ms`;

async function main() {
  makeSleepBinary(sleepBin);
  const real = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
    encoding: "utf8",
  }).trim();
  symlinkSync(real, python);
  const config = join(dir, "rules.yaml");
  // Its own state dir: another run's lock never makes a case "busy".
  const state = join(dir, "state");
  mkdirSync(state, { mode: 0o700 });
  // Token-scoped; `cleanup port` without --free never signals anyway.
  const pattern = python.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  writeFileSync(
    config,
    `version: 1\nrules:\n  - name: bench-listener\n    match: { cmdline: '^${pattern} ', orphaned: true }\n    action: kill\n`,
  );

  const started = performance.now();
  await launchOrphans(N);
  const listener = await startListener();
  const free = await freePortNumber();
  const processes = readdirSync("/proc").filter((n) => /^[0-9]+$/.test(n)).length;
  process.stderr.write(
    `bench: ${N} sleeps started in ${fmt(performance.now() - started)}; ${processes} processes; listener pid ${listener.pid} on ${listener.port}, free port ${free}\n`,
  );

  const busyCheck = (r) => {
    const report = JSON.parse(r.stdout);
    const pids = report.holders.map((h) => h.process.pid);
    if (r.code !== 0 || pids.length !== 1 || pids[0] !== listener.pid)
      throw new Error(
        `cleanup port ${listener.port}: holders ${pids} (exit ${r.code}) ${r.stderr}`,
      );
  };
  const freeCheck = (r) => {
    const report = JSON.parse(r.stdout);
    if (r.code !== 0 || report.holders.length > 0 || report.uninspectable.length > 0)
      throw new Error(`cleanup port ${free} (free): exit ${r.code} ${r.stdout} ${r.stderr}`);
  };
  const agent = (cli, tag) => [
    {
      label: `${tag}cleanup port (busy)`,
      cmd: process.execPath,
      args: [
        cli,
        "port",
        String(listener.port),
        "--json",
        "--config",
        config,
        "--state-dir",
        state,
      ],
      check: busyCheck,
    },
    {
      label: `${tag}cleanup port (free)`,
      cmd: process.execPath,
      args: [cli, "port", String(free), "--json", "--config", config, "--state-dir", state],
      check: freeCheck,
    },
  ];
  const cases = [
    ...agent(CLI, ""),
    ...(BASELINE ? agent(BASELINE, "baseline ") : []),
    {
      label: "ss -ltnp 'sport = :N' (busy)",
      cmd: "ss",
      args: ["-ltnp", `sport = :${listener.port}`],
      check: (r) => {
        if (!r.stdout.includes(`pid=${listener.pid},`)) throw new Error(`ss: ${r.stdout}`);
      },
    },
    {
      label: "lsof -i :N (busy)",
      cmd: "lsof",
      args: ["-i", `:${listener.port}`],
      check: (r) => {
        if (!r.stdout.includes(` ${listener.pid} `)) throw new Error(`lsof: ${r.stdout}`);
      },
    },
  ];
  const times = new Map(cases.map((c) => [c.label, []]));
  // Round 0 is a warm-up (page cache, dentries), not counted.
  for (let round = 0; round <= RUNS; round++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + round) % cases.length];
      const r = await timeRun(c.cmd, c.args);
      c.check(r);
      if (round > 0) times.get(c.label).push(r.ms);
    }
  }
  const ss = median(times.get("ss -ltnp 'sport = :N' (busy)"));
  const lsof = median(times.get("lsof -i :N (busy)"));
  console.log(
    `cleanup port N: ${processes} processes, ${RUNS} rounds (+1 warm-up), ${os.cpus().length} CPUs, Node ${process.version}`,
  );
  for (const c of cases) {
    const xs = times.get(c.label);
    const m = median(xs);
    console.log(
      `  ${c.label.padEnd(40)} median ${fmt(m).padStart(7)} (min ${fmt(Math.min(...xs))})  ×ss ${(m / ss).toFixed(2)}  ×lsof ${(m / lsof).toFixed(2)}`,
    );
  }
  console.log("  target: cleanup port (busy and free) ≤ 1.0 × ss");
  if (PROFILE_DIR) {
    for (const c of cases.filter((k) => k.label.startsWith("cleanup"))) {
      c.check(await timeRun(c.cmd, ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR, ...c.args]));
    }
    console.log(`  CPU profiles of one busy and one free run written to ${PROFILE_DIR}`);
  }
}

try {
  await main();
} finally {
  process.stderr.write(cleanupMessage(bench.cleanupSync()));
}
