#!/usr/bin/env node
// Runs a command (by default the README's test command, scripts/test.sh) on a saturated host: 10,000 extra
// sleeping processes (the bench's orphans) and a CPU hog per core, all started here, all with a
// token in their argv or path, all ended here by pid. It proves that no test depends on how busy
// the machine is (issue: "run the suite while the bench's 10,000 processes and a CPU hog of
// your own are running") and prints what the load was while it ran.
//
//   node scripts/test-saturated.mjs                      # scripts/test.sh, 10,000 sleepers, 1 hog/core
//   node scripts/test-saturated.mjs --sleepers 2000 --hogs 1 -- npx vitest run test/unit
//
// Safety: only the processes this script started are signalled, each by pid after its
// /proc/PID/cmdline was checked for the token; the sleeper binary lives in a directory made here
// and removed at the end.
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { clearInterval, setInterval } from "node:timers";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  options: {
    sleepers: { type: "string", default: "10000" },
    hogs: { type: "string", default: String(availableParallelism()) },
  },
  allowPositionals: true,
});
const sleepers = Number(values.sleepers);
const hogs = Number(values.hogs);
if (!Number.isInteger(sleepers) || sleepers < 0) throw new Error(`--sleepers ${values.sleepers}`);
if (!Number.isInteger(hogs) || hogs < 0) throw new Error(`--hogs ${values.hogs}`);
const command = positionals.length > 0 ? positionals : ["scripts/test.sh"];

const token = `cleanup-saturate-${process.pid}-${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), `${token}-`));
const sleepBin = join(dir, `sleep-${token}`);
/** pid → the token its cmdline must carry before it is signalled. */
const started = new Map();

function cmdlineOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return null;
  }
}

/** SIGKILLs every process started here that still carries the token; by pid only. */
function endAll() {
  let ended = 0;
  for (const pid of started.keys()) {
    if (!cmdlineOf(pid)?.includes(token)) continue;
    try {
      process.kill(pid, "SIGKILL");
      ended++;
    } catch {
      // gone meanwhile
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return ended;
}

/** Starts the sleepers as orphans: a shell backgrounds them, prints their pids and exits. */
async function launchSleepers(count) {
  copyFileSync("/bin/sleep", sleepBin);
  chmodSync(sleepBin, 0o755);
  const script =
    `i=0; while [ "$i" -lt ${count} ]; do ` +
    `'${sleepBin}' 7200 </dev/null >/dev/null 2>&1 & echo $!; i=$((i+1)); done`;
  const shell = spawn("/bin/sh", ["-c", script], { stdio: ["ignore", "pipe", "inherit"] });
  let partial = "";
  shell.stdout.setEncoding("utf8");
  shell.stdout.on("data", (chunk) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop();
    for (const line of lines) if (Number(line) > 1) started.set(Number(line), token);
  });
  await new Promise((resolve, reject) => {
    shell.on("error", reject);
    shell.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`launcher: ${code}`))));
  });
}

function startHog() {
  const hog = spawn(process.execPath, ["-e", "for(;;){}", `${token}-hog`], {
    stdio: "ignore",
    detached: true,
  });
  hog.unref();
  started.set(hog.pid, token);
}

function count() {
  let alive = 0;
  for (const pid of started.keys()) if (cmdlineOf(pid)?.includes(token)) alive++;
  return alive;
}

const samples = [];
let sampler;
let exitCode = 1;
// The command shares the terminal's process group, so it gets the signal too and ends; the
// finally below then ends the saturating processes.
const onSignal = () => {
  exitCode = 130;
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
try {
  const t0 = performance.now();
  await launchSleepers(sleepers);
  for (let i = 0; i < hogs; i++) startHog();
  // Let the exec of every sleeper finish before the suite starts.
  await new Promise((r) => setTimeout(r, 2000));
  const alive = count();
  console.error(
    `saturate: ${alive} processes started (${sleepers} sleepers, ${hogs} CPU hogs) in ${((performance.now() - t0) / 1000).toFixed(1)} s; token ${token}`,
  );
  sampler = setInterval(() => samples.push(loadavg()[0]), 10_000);
  const s0 = performance.now();
  const code = await new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { stdio: "inherit" });
    child.on("error", () => resolve(127));
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  if (exitCode !== 130) exitCode = code;
  const seconds = (performance.now() - s0) / 1000;
  const still = count();
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : loadavg()[0];
  const max = sorted.length ? sorted[sorted.length - 1] : loadavg()[0];
  console.error(
    `saturate: \`${command.join(" ")}\` exited ${exitCode} after ${seconds.toFixed(0)} s; ` +
      `1-min load median ${median.toFixed(1)}, max ${max.toFixed(1)} on ${availableParallelism()} cores; ` +
      `${still} of ${alive} saturating processes still running at the end`,
  );
} finally {
  clearInterval(sampler);
  const ended = endAll();
  console.error(`saturate: ended ${ended} processes by pid; removed ${dir}`);
}
process.exitCode = exitCode;
