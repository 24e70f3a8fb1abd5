// What the benches share to time things and print them: median and min, the formats, the
// agent run (JSON report, peak RSS through bench/report-maxrss.mjs) and the peak RSS of any
// command through /usr/bin/time, the machine line with its load, and the bench lock.
import { spawn } from "node:child_process";
import { existsSync, openSync, readFileSync, readdirSync, statSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { readProc } from "./orphans.mjs";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PRELOAD = pathToFileURL(join(ROOT, "bench", "report-maxrss.mjs")).href;
export const TIME_BIN = "/usr/bin/time";

/**
 * The build under test (BENCH_CLI, default dist/cli.js) and the one to alternate with it
 * (BENCH_BASELINE_CLI, e.g. the build before a change; null when unset).
 */
export function builds() {
  const cli = resolve(process.env.BENCH_CLI ?? join(ROOT, "dist", "cli.js"));
  const baseline = process.env.BENCH_BASELINE_CLI ? resolve(process.env.BENCH_BASELINE_CLI) : null;
  return { cli, baseline };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const min = (values) => Math.min(...values);

export const fmtMs = (ms) => `${ms.toFixed(0)} ms`;
/** One decimal under 10 ms. */
export const fmtMsFine = (ms) => (ms < 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(0)} ms`);
export const fmtMiB = (kib) => (kib === null ? "n/a" : `${(kib / 1024).toFixed(1)} MiB`);
export const verdict = (ok) => (ok ? "PASS" : "MISS");
export const log = (line) => process.stdout.write(`${line}\n`);

export const loadAvg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

/** "N CPUs × model, X GiB RAM, Linux R, Node V". */
export function machine() {
  const cpus = os.cpus();
  return `${cpus.length} CPUs × ${cpus[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${os.release()}, Node ${process.version}`;
}

/** The run's stdout as the agent's JSON report; else an error with its exit and stderr. */
export function parseReport(run) {
  try {
    return JSON.parse(run.stdout);
  } catch (error) {
    throw new Error(
      `agent output is not JSON (exit ${run.code}): ${error.message}\n${run.stderr.slice(0, 2000)}`,
    );
  }
}

/**
 * Runs `node [nodeFlags] CLI args` through the bench's runTimed (tracked, marker `marker`), with
 * the maxRSS preload when `maxRssFile` names a file; returns the run, its report and peak RSS.
 */
export async function runAgent(bench, cli, args, { nodeFlags = [], maxRssFile, marker } = {}) {
  const flags = maxRssFile ? [...nodeFlags, "--import", PRELOAD] : nodeFlags;
  const run = await bench.runTimed(process.execPath, [...flags, cli, ...args], {
    marker: marker ?? bench.token,
    ...(maxRssFile && { env: { BENCH_MAXRSS_FILE: maxRssFile } }),
  });
  const report = parseReport(run);
  const rss = maxRssFile ? readProc(maxRssFile) : null;
  return { ...run, report, maxRssKiB: rss === null ? null : Number(rss) };
}

/**
 * Peak RSS (KiB) of `command args` by /usr/bin/time, the output drained; null without it.
 * `file`: where time writes the figure (in the bench's directory).
 */
export async function timeMaxRss(bench, file, command, args, { marker, okCodes = [0] } = {}) {
  if (!existsSync(TIME_BIN)) return null;
  const run = await bench.runTimed(TIME_BIN, ["-f", "%M", "-o", file, command, ...args], {
    marker,
    keepStdout: false,
  });
  if (!okCodes.includes(run.code))
    throw new Error(`${TIME_BIN} ${command} exited ${run.code}: ${run.stderr}`);
  const kib = Number(readFileSync(file, "utf8").trim().split("\n").pop());
  return Number.isFinite(kib) ? kib : null;
}

/**
 * Holds an exclusive flock on `path` for the rest of this process (the lock stays with our open
 * file, as `exec 3>FILE; flock 3` in a shell): a bench with a big process table takes it so that
 * two big tables never coexist. Already held by one of our ancestors (`flock FILE npm run …`):
 * nothing to take. Resolves with what was done.
 */
export async function holdLock(path) {
  // Checked before we open it ourselves: an open file of our own must be an inherited one.
  if (existsSync(path) && heldByAncestor(statSync(path).ino))
    return `${path} already held by an ancestor`;
  const fd = openSync(path, "a");
  const started = performance.now();
  const waiting = setTimeout(
    () => process.stderr.write(`bench: waiting for the lock ${path} …\n`),
    1000,
  );
  const code = await new Promise((resolveLock, reject) => {
    const child = spawn("flock", ["-x", "3"], { stdio: ["ignore", "inherit", "inherit", fd] });
    child.on("error", reject);
    child.on("close", (exitCode, signal) => resolveLock(exitCode ?? signal));
  });
  clearTimeout(waiting);
  if (code !== 0) throw new Error(`flock ${path} ended with ${code}`);
  // fd stays open (never closed): the lock goes when this process ends.
  return `${path} taken after ${((performance.now() - started) / 1000).toFixed(1)} s`;
}

/**
 * True if the flock on `inode` is held and one of our ancestors took it (`flock FILE cmd`) or
 * keeps the file open (`exec 3>FILE; flock 3`, where the pid in /proc/locks is flock's, gone).
 */
function heldByAncestor(inode) {
  const holders = new Set();
  for (const line of (readProc("/proc/locks") ?? "").split("\n")) {
    const words = line.trim().split(/\s+/);
    // "1: FLOCK  ADVISORY  WRITE 27180 fe:00:5325207 0 EOF" (blocked waiters have a "->").
    if (words[1] === "->") continue;
    const [, kind, , , pid, device] = words;
    if (kind === "FLOCK" && device?.endsWith(`:${inode}`)) holders.add(Number(pid));
  }
  if (holders.size === 0) return false;
  // From ourselves: a shell may have exec'd us with the locked file still open.
  for (let pid = process.pid; pid > 1;) {
    if (holders.has(pid) || hasOpen(pid, inode)) return true;
    const stat = readProc(`/proc/${pid}/stat`);
    if (stat === null) break;
    pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  }
  return false;
}

function hasOpen(pid, inode) {
  let fds;
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      return statSync(`/proc/${pid}/fd/${fd}`).ino === inode;
    } catch {
      return false;
    }
  });
}

/**
 * Runs a bench's `main`: a failure is printed as `bench: FAILED: …` (its stack if `stack`) and
 * sets exit code 1; `finish` (the cleanup and its line) runs whatever happened.
 */
export async function runBench(main, finish, { stack = false } = {}) {
  try {
    await main();
  } catch (error) {
    const text = error instanceof Error ? (stack ? error.stack : error.message) : error;
    process.stderr.write(`bench: FAILED: ${text}\n`);
    process.exitCode = 1;
  } finally {
    await finish();
  }
}
