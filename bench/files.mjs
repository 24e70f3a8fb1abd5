// Benchmark of the leftover-file holder check (issue 12) (see `npm run bench:files`).
//
// 1. Re-runs itself under `unshare --mount --propagation private` and mounts a tmpfs of its own
//    at /tmp/cleanup-files-bench-<token>/shm (invisible outside that mount namespace). Without
//    the rights for that it uses a plain directory there instead, and says so.
// 2. Makes BENCH_FILES (default 1,000) files psm_<token>_<i> of 16 KiB in it.
// 3. Starts BENCH_HOLDERS (default 50) python3 processes running a token-named script, each
//    holding ten of the files (five mmap'ed, five open fds): 500 held, 500 not; and
//    BENCH_PROCESSES (default 10,000) orphaned sleepers from a token-named copy of /bin/sleep.
// 4. Times, alternated, BENCH_RUNS (default 5) times after a warm-up of each:
//    - readHolders (src/scan/file-holders.ts, bundled with esbuild as the CLI is) over every
//      process for those files, in this process (the process list is read before the clock);
//    - `cleanup --dry-run --json` with a token-scoped `files:` rule on that directory and the
//      same without it (the difference is what the files cost a run);
//    - `lsof +D DIR` and `fuser DIR/*` (the names passed as arguments, no shell).
//    Each run's findings are checked: the 500 held files and nothing else.
//
// Safety: the bench signals only processes it started, by pid, after checking that
// /proc/PID/cmdline still holds its token; the agent only ever runs --dry-run, with a config
// whose only rule is a `files:` rule scoped to the token directory (`rules: []`). Everything is
// cleaned up in `finally` and on SIGINT/SIGTERM/SIGHUP; the tmpfs goes with the namespace.
//
// Environment: BENCH_PROCESSES (10000), BENCH_FILES (1000), BENCH_HOLDERS (50), BENCH_RUNS (5),
// BENCH_PROFILE_DIR (unset: no profile; else a CPU profile of one more agent run with files).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { bundleOptions } from "../scripts/bundle-options.mjs";
import { fmtMsFine as fmtMs, log, median, parseReport, ROOT } from "./lib/measure.mjs";
import {
  checkPidRoom,
  createBench,
  envInt,
  makeSleepBinary,
  procPids,
  statFields,
} from "./lib/orphans.mjs";

const CLI = join(ROOT, "dist", "cli.js");
const SELF = fileURLToPath(import.meta.url);
const INNER = process.env.BENCH_FILES_INNER === "1";

const N = envInt("BENCH_PROCESSES", 10_000);
const FILES = envInt("BENCH_FILES", 1_000);
const HOLDERS = envInt("BENCH_HOLDERS", 50);
const RUNS = envInt("BENCH_RUNS", 5);
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR ? resolve(process.env.BENCH_PROFILE_DIR) : null;
const MAPS_PER_HOLDER = 5;
const FDS_PER_HOLDER = 5;
const FILE_BYTES = 16 * 1024;

// ---------------------------------------------------------------------------------------------
// Outer process: re-run in a mount namespace of our own, when we may.

if (!INNER) {
  const mayUnshare =
    process.getuid?.() === 0 &&
    spawnSync("unshare", ["--mount", "--propagation", "private", "true"]).status === 0;
  const env = { ...process.env, BENCH_FILES_INNER: "1", BENCH_FILES_NS: mayUnshare ? "1" : "0" };
  const [command, args] = mayUnshare
    ? ["unshare", ["--mount", "--propagation", "private", process.execPath, SELF]]
    : [process.execPath, [SELF]];
  if (!mayUnshare)
    log(
      "bench: cannot unshare a mount namespace (not root?): a plain directory instead of a tmpfs",
    );
  // unshare execs node (no fork for a mount namespace): the child's pid is the inner bench's.
  const child = spawn(command, args, { stdio: "inherit", env });
  // SIGINT reaches the inner bench from the terminal too; forward the others to it, by pid.
  process.on("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP"])
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
} else {
  await innerMain();
}

// ---------------------------------------------------------------------------------------------
// Inner process: everything else.

async function innerMain() {
  const inNamespace = process.env.BENCH_FILES_NS === "1";
  let mounted = false;
  // The token, /tmp/cleanup-files-bench-<token>, the processes started (sleepers, holders, the
  // launcher, timed commands) and their cleanup by pid, the marker checked: bench/lib/orphans.mjs.
  const bench = createBench({
    prefix: "/tmp/cleanup-files-bench",
    signalMessage: (signal, stats) =>
      `\nbench: ${signal}: cleaning up…\n` +
      `bench: SIGKILLed ${stats.killed} bench processes; ${dir} removed: ${stats.removed}\n`,
    beforeRemove: () => {
      if (!mounted) return;
      // Our own namespace's mount: lazily, as the holders just killed may not have exited yet.
      const umount = spawnSync("umount", ["-l", shm]);
      if (umount.status !== 0) process.stderr.write(`bench: umount ${shm}: ${umount.stderr}\n`);
    },
  });
  const { token, dir } = bench;
  const shm = join(dir, "shm");

  /** `count` `BIN 3600` orphans, every one exec'd. */
  async function launchOrphans(bin, marker, count) {
    const launched = await bench.launchOrphans(bin, marker, count);
    await bench.waitExecuted(launched.pids, bin, 120_000);
    return launched;
  }

  /** A holder: python3 running the token-named script, holding files [first, first + n). */
  async function startHolder(python, script, first) {
    const args = [
      script,
      shm,
      token,
      String(first),
      String(MAPS_PER_HOLDER),
      String(FDS_PER_HOLDER),
    ];
    const child = spawn(python, args, { stdio: ["ignore", "pipe", "inherit"], cwd: "/" });
    // Tracked by pid (not as a running child): cleanup kills it once its cmdline is checked.
    bench.track(child.pid, script);
    let text = "";
    child.stdout.setEncoding("utf8");
    await new Promise((r, reject) => {
      const timer = setTimeout(() => reject(new Error(`holder ${child.pid} not ready`)), 60_000);
      child.stdout.on("data", (chunk) => {
        text += chunk;
        if (text.includes("ready\n")) {
          clearTimeout(timer);
          r();
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`holder ${child.pid} exited ${code}`));
      });
    });
    return child.pid;
  }

  const HOLDER_PY = [
    "# cleanup files benchmark holder: maps some files, keeps others open, sleeps.",
    "import mmap, os, signal, sys",
    "d, token, first, nmap, nfd = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])",
    "path = lambda i: os.path.join(d, 'psm_%s_%d' % (token, i))",
    "maps = []",
    "for i in range(first, first + nmap):",
    "    with open(path(i), 'r+b') as f:",
    "        maps.append(mmap.mmap(f.fileno(), 0))",
    "fds = [os.open(path(i), os.O_RDONLY) for i in range(first + nmap, first + nmap + nfd)]",
    "print('ready', flush=True)",
    "while True:",
    "    signal.pause()",
    "",
  ].join("\n");

  const before = procPids().length;
  try {
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
    checkPidRoom(N + HOLDERS);
    mkdirSync(shm, { mode: 0o755 });
    let where = "a plain directory (no mount namespace of our own)";
    if (inNamespace) {
      const size = Math.ceil((FILES * FILE_BYTES) / 2 ** 20) + 16;
      const mount = spawnSync("mount", [
        "-t",
        "tmpfs",
        "-o",
        `size=${size}m,mode=0755`,
        `bench-${token}`,
        shm,
      ]);
      if (mount.status === 0) {
        mounted = true;
        where = `a tmpfs (${size} MiB) mounted in the bench's own mount namespace`;
      } else {
        where = `a plain directory (mount -t tmpfs failed: ${String(mount.stderr).trim()})`;
      }
    }
    log(`bench: token ${token}; files in ${shm}: ${where}; ${before} processes before`);

    // --- Files --------------------------------------------------------------------------------
    const names = [];
    const block = Buffer.alloc(FILE_BYTES, 0x61);
    for (let i = 0; i < FILES; i++) {
      const name = `psm_${token}_${i}`;
      writeFileSync(join(shm, name), block, { mode: 0o600 });
      names.push(name);
    }
    const paths = names.map((n) => join(shm, n));
    const perHolder = MAPS_PER_HOLDER + FDS_PER_HOLDER;
    const heldCount = Math.min(FILES, HOLDERS * perHolder);
    const heldKeys = new Set(
      paths.slice(0, heldCount).map((p) => {
        const s = statSync(p);
        return `${s.dev}:${s.ino}`;
      }),
    );

    // --- Holders and sleepers -----------------------------------------------------------------
    const python = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], {
      encoding: "utf8",
    }).stdout.trim();
    if (!python.startsWith("/")) throw new Error("python3 not found");
    const script = join(dir, `holder-${token}.py`);
    writeFileSync(script, HOLDER_PY, { mode: 0o644 });
    const holderPids = new Set();
    for (let k = 0; k < HOLDERS && k * perHolder < FILES; k++)
      holderPids.add(await startHolder(python, script, k * perHolder));
    log(
      `bench: ${holderPids.size} python3 holders (${python}) hold ${heldCount} of ${FILES} files`,
    );

    const bin = join(dir, `sleep-${token}`);
    makeSleepBinary(bin);
    const table = await launchOrphans(bin, token, N);
    log(`bench: ${N} sleepers of ${bin} started in ${fmtMs(table.launchMs)}`);

    // --- The holder read, bundled from src as the CLI bundles it -------------------------------
    const harness = join(dir, "harness.mjs");
    await build({
      ...bundleOptions,
      absWorkingDir: ROOT,
      stdin: {
        contents: [
          'export { holderTargets, readHolders } from "./src/scan/file-holders.ts";',
          'export { listDir } from "./src/scan/leftover-files.ts";',
        ].join("\n"),
        resolveDir: ROOT,
        loader: "ts",
      },
      outfile: harness,
    });
    const { holderTargets, listDir, readHolders } = await import(pathToFileURL(harness).href);
    const prefix = `psm_${token}_`;
    /** The process list as the agent's snapshot has it; read before the clock starts. */
    const processList = () =>
      procPids().flatMap((pid) => {
        const s = statFields(pid);
        // PF_KTHREAD: kernel threads are skipped by readHolders, as in the agent.
        return s
          ? [{ pid, startTicks: s.startTicks, kernelThread: (s.flags & 0x200000) !== 0 }]
          : [];
      });
    const readOnce = () => {
      const listStarted = performance.now();
      const listing = listDir(shm, (name) => name.startsWith(prefix));
      const listMs = performance.now() - listStarted;
      const processes = processList();
      const targets = holderTargets(listing.files, [shm]);
      const index = readHolders("/proc", targets, processes);
      const heldHere = [...index.byInode.keys()];
      const wrong = heldHere.filter((k) => !heldKeys.has(k)).length;
      const holders = new Set([...index.byInode.values()].flat().map((h) => h.pid));
      const foreign = [...holders].filter((pid) => !holderPids.has(pid)).length;
      if (
        listing.files.length !== FILES ||
        heldHere.length !== heldCount ||
        wrong > 0 ||
        foreign > 0
      )
        throw new Error(
          `readHolders: ${listing.files.length} listed, ${heldHere.length} held (${wrong} not ours to hold), ${foreign} holders not ours`,
        );
      return { ms: index.ms, listMs, scanned: index.scanned, unknown: index.unknown };
    };

    // --- The agent ----------------------------------------------------------------------------
    const withFiles = join(dir, "files.yaml");
    const withoutFiles = join(dir, "no-files.yaml");
    const glob = `${shm}/${prefix}*`;
    if (!glob.includes(token) || !/^[A-Za-z0-9/._*-]+$/.test(glob))
      throw new Error(`bad glob ${glob}`);
    writeFileSync(
      withFiles,
      [
        "version: 1",
        "rules: []",
        "files:",
        "  - name: bench-files",
        `    paths: [${JSON.stringify(glob)}]`,
        "    no_holder: true",
        "    action: report",
        "",
      ].join("\n"),
    );
    writeFileSync(withoutFiles, "version: 1\nrules: []\n");
    const agent = async (config, expectFiles, nodeFlags = []) => {
      const run = await bench.runTimed(
        process.execPath,
        [
          ...nodeFlags,
          CLI,
          "--dry-run",
          "--json",
          "--config",
          config,
          "--state-dir",
          join(dir, "state"),
        ],
        { marker: token },
      );
      const report = parseReport(run);
      if (report.configFile !== config || report.dryRun !== true)
        throw new Error(
          `the agent ran ${report.configFile} (dryRun ${report.dryRun}), not ${config}`,
        );
      if ((report.results ?? []).length > 0 || report.plan.entries.length > 0)
        throw new Error("the agent planned something for processes: refusing to go on");
      const files = report.files;
      if (expectFiles) {
        if (!files || files.listed !== FILES)
          throw new Error(`the agent listed ${files?.listed} files, not ${FILES}`);
        if (files.results.some((r) => r.outcome !== "would-remove"))
          throw new Error(`the agent tried a removal: ${JSON.stringify(files.results[0])}`);
      } else if (files) throw new Error("the agent without files rules reported files");
      const spared = {};
      for (const s of files?.plan.spared ?? []) spared[s.code] = (spared[s.code] ?? 0) + 1;
      return {
        ms: run.ms,
        durationMs: report.durationMs,
        scanMs: report.scan.scanMs,
        processes: report.scan.processes,
        holdersMs: files?.holders.ms,
        scanned: files?.holders.scanned,
        unknown: files?.holders.unknown ?? [],
        entries: files?.plan.entries.length ?? 0,
        spared,
      };
    };

    // --- Peers --------------------------------------------------------------------------------
    const lsofBin = spawnSync("sh", ["-c", "command -v lsof"], { encoding: "utf8" }).stdout.trim();
    const fuserBin = spawnSync("sh", ["-c", "command -v fuser"], {
      encoding: "utf8",
    }).stdout.trim();
    const lsof = async () => {
      const run = await bench.runTimed(lsofBin, ["+D", shm], { marker: shm });
      // Exit 1 with warnings (unreadable processes) is normal; the listing says what it found.
      const held = new Set();
      for (const line of run.stdout.split("\n")) {
        const at = line.indexOf(`${shm}/${prefix}`);
        if (at >= 0) held.add(line.slice(at).trim());
      }
      if (held.size !== heldCount)
        throw new Error(`lsof +D found ${held.size} held files, not ${heldCount}`);
      return { ms: run.ms, held: held.size };
    };
    const fuser = async () => {
      const run = await bench.runTimed(fuserBin, paths, { marker: shm });
      // fuser prints "PATH:" on stderr for each file in use, the pids on stdout.
      const held = run.stderr.split(/\s+/).filter((w) => w.startsWith(`${shm}/`)).length;
      if (held !== heldCount) throw new Error(`fuser found ${held} held files, not ${heldCount}`);
      return { ms: run.ms, held };
    };

    const cases = [
      {
        key: "holders",
        label: "readHolders over all processes (in-process)",
        run: async () => readOnce(),
      },
      {
        key: "with",
        label: "cleanup --dry-run --json, with the files rule",
        run: () => agent(withFiles, true),
      },
      {
        key: "without",
        label: "cleanup --dry-run --json, rules: [] only",
        run: () => agent(withoutFiles, false),
      },
      ...(lsofBin ? [{ key: "lsof", label: `lsof +D DIR`, run: lsof }] : []),
      ...(fuserBin ? [{ key: "fuser", label: `fuser DIR/* (${FILES} names)`, run: fuser }] : []),
    ];
    const results = Object.fromEntries(cases.map((c) => [c.key, []]));
    for (const c of cases) await c.run(); // warm-up
    log(
      `bench: warm-up done; ${RUNS} rounds of ${cases.map((c) => c.key).join(", ")} (order rotated)`,
    );
    for (let i = 0; i < RUNS; i++) {
      const order = [...cases.slice(i % cases.length), ...cases.slice(0, i % cases.length)];
      const line = [];
      for (const c of order) {
        const r = await c.run();
        results[c.key].push(r);
        line.push(`${c.key} ${fmtMs(r.ms)}`);
      }
      log(`bench: round ${i + 1}/${RUNS}: ${line.join(", ")}`);
    }
    if (PROFILE_DIR) {
      mkdirSync(PROFILE_DIR, { recursive: true });
      await agent(withFiles, true, ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR]);
      log(`bench: CPU profile of one agent run with the files rule written to ${PROFILE_DIR}`);
    }

    // --- Summary ------------------------------------------------------------------------------
    const med = (key, field = "ms") => median(results[key].map((r) => r[field]));
    const holdersMs = med("holders");
    const withMs = med("with");
    const withoutMs = med("without");
    const filesCost = withMs - withoutMs;
    const w = results.with[0];
    const unknown = w.unknown;
    const cpus = os.cpus();
    const rows = [
      ["readHolders, in-process (warm)", holdersMs],
      ["readHolders inside the agent run (report files.holders.ms)", med("with", "holdersMs")],
      ["cleanup --dry-run --json, with the files rule", withMs],
      ["cleanup --dry-run --json, rules: [] only", withoutMs],
      ["  difference: what the files rule costs the run", filesCost],
      ...(lsofBin ? [["lsof +D DIR", med("lsof")]] : []),
      ...(fuserBin ? [["fuser DIR/*", med("fuser")]] : []),
    ];
    const peers = [
      lsofBin ? ["lsof", med("lsof")] : null,
      fuserBin ? ["fuser", med("fuser")] : null,
    ].filter(Boolean);
    const header = `| figure (median of ${RUNS}) | ms | ${peers.map(([p]) => `÷ ${p}`).join(" | ")} |`;
    const tableLines = [
      header,
      `|${header
        .split("|")
        .slice(1, -1)
        .map(() => " --- ")
        .join("|")}|`,
      ...rows.map(
        ([label, ms]) =>
          `| ${label} | ${ms.toFixed(0)} | ${peers.map(([, p]) => (ms / p).toFixed(2)).join(" | ")} |`,
      ),
    ];
    log(
      [
        "",
        "==================== cleanup files benchmark ====================",
        `machine   ${cpus.length} CPUs × ${cpus[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${os.release()}, Node ${process.version}`,
        `tree      ${FILES} files of ${FILE_BYTES / 1024} KiB in ${where}`,
        `          ${heldCount} held by ${holderPids.size} python3 processes (${MAPS_PER_HOLDER} mmap'ed + ${FDS_PER_HOLDER} open fds each)`,
        `table     ${w.processes} processes seen by the agent (${N} sleepers); readHolders looked at ${w.scanned}`,
        `          unreadable: ${unknown.length} (${unknown
          .slice(0, 3)
          .map((u) => `pid ${u.pid}: ${u.reason}`)
          .join("; ")})`,
        `plan      ${w.entries} report entries; spared ${JSON.stringify(w.spared)}` +
          (unknown.length > 0 ? " (an unreadable process may hold any file: fail closed)" : ""),
        `agent     in-process median ${fmtMs(med("with", "durationMs"))} with files, ${fmtMs(med("without", "durationMs"))} without (scan ${fmtMs(med("with", "scanMs"))} / ${fmtMs(med("without", "scanMs"))})`,
        `list      listDir of the ${FILES} files (in-process) median ${fmtMs(med("holders", "listMs"))}`,
        "",
        ...tableLines,
        "",
        "runs (ms):",
        ...cases.map(
          (c) => `  ${c.label}: ${results[c.key].map((r) => r.ms.toFixed(0)).join(", ")}`,
        ),
        "=================================================================",
      ].join("\n"),
    );
  } catch (error) {
    process.stderr.write(`bench: FAILED: ${error instanceof Error ? error.stack : error}\n`);
    process.exitCode = 1;
  } finally {
    const stats = bench.cleanupSync();
    // The sleepers are PID 1's (or a subreaper's) to reap: wait a while for their zombies.
    const zombies = await bench.waitReaped();
    log(
      `cleanup: SIGKILLed ${stats.killed} bench processes (${stats.notOurs} already gone); ${dir} removed: ${stats.removed}; ${zombies} zombies not yet reaped; /proc now ${procPids().length} processes (${before} before)`,
    );
  }
}
