// Startup benchmark (issue 14): what a command costs before it does anything, against `node -e 0`
// measured in the same run. `npm run bench:startup` (or `node bench/startup.mjs` after a build).
//
// Times, spawn → exit, BENCH_STARTUP_RUNS (default 21) rounds of: `node -e 0`,
// `cleanup --version`, `cleanup --help`, `cleanup check --config rules.yaml` (the bundled rules),
// the four run back to back in one round and the order rotated from round to round, so that a
// busy moment of this shared machine falls on each of them alike. Prints the median (and min) of
// each and its ratio to `node -e 0`'s median, against the target of 1.3.
//
// Nothing here signals or writes anything: `check` only reads and validates the rules file.
// Environment: BENCH_STARTUP_RUNS (21), BENCH_NODE_FLAGS (extra node flags for the agent runs),
// BENCH_STARTUP_BASELINE=PATH/cli.js: also times that build's three commands in the same rounds
// (before/after figures measured side by side).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");
const BUNDLED = join(ROOT, "rules.yaml");
const RUNS = envInt("BENCH_STARTUP_RUNS", 21);
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
const TARGET_RATIO = 1.3;

const BASELINE = process.env.BENCH_STARTUP_BASELINE
  ? resolve(process.env.BENCH_STARTUP_BASELINE)
  : null;

const commands = (cli, tag) => [
  { label: `${tag}--version`, args: [...NODE_FLAGS, cli, "--version"] },
  { label: `${tag}--help`, args: [...NODE_FLAGS, cli, "--help"] },
  { label: `${tag}check (rules.yaml)`, args: [...NODE_FLAGS, cli, "check", "--config", BUNDLED] },
];

const CASES = [
  { label: "node -e 0", args: ["-e", "0"] },
  ...commands(CLI, "cleanup "),
  ...(BASELINE ? commands(BASELINE, "baseline ") : []),
];

function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${raw}: expected a count`);
  return value;
}

/** Runs node with args, drains its output, resolves the wall time spawn → close in ms. */
function timeRun(args) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    const err = [];
    child.stdout.resume();
    child.stderr.on("data", (chunk) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - started;
      if (code !== 0)
        reject(new Error(`node ${args.join(" ")} exited ${code}: ${Buffer.concat(err)}`));
      else resolveRun(ms);
    });
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const log = (line) => process.stdout.write(`${line}\n`);

async function main() {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
  // One warm-up of each: the page cache holds node and the bundle for every timed round.
  for (const c of CASES) await timeRun(c.args);
  const times = CASES.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    for (let k = 0; k < CASES.length; k++) {
      const i = (round + k) % CASES.length;
      times[i].push(await timeRun(CASES[i].args));
    }
  }
  const base = median(times[0]);
  const cpus = os.cpus();
  const lines = [
    "",
    "==================== cleanup startup benchmark ====================",
    `machine   ${cpus.length} CPUs × ${cpus[0]?.model ?? "?"}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}, Node ${process.version}`,
    ...(NODE_FLAGS.length > 0 ? [`          agent runs with node ${NODE_FLAGS.join(" ")}`] : []),
    ...(BASELINE ? [`baseline  ${BASELINE}`] : []),
    `${RUNS} rounds (+1 warm-up), wall time spawn → exit, order rotated each round:`,
    "",
    ...CASES.map((c, i) => {
      const m = median(times[i]);
      const ratio = m / base;
      const verdict =
        i === 0 || c.label.startsWith("baseline")
          ? "    "
          : ratio <= TARGET_RATIO
            ? "PASS"
            : "MISS";
      return `  ${verdict}  ${c.label.padEnd(29)} median ${m.toFixed(1).padStart(6)} ms, min ${Math.min(
        ...times[i],
      )
        .toFixed(1)
        .padStart(6)} ms, ×${ratio.toFixed(2)} node -e 0`;
    }),
    "",
    `target: each cleanup command within ×${TARGET_RATIO} of node -e 0's median`,
    "===================================================================",
  ];
  log(lines.join("\n"));
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: FAILED: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = 1;
}
