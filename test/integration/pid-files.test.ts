// PID files against the real /proc, with real processes this test starts. The service's
// selector matches only this test's random token; the only process signalled is what the test
// started, by its own handle (its pid), in afterAll. The code under test signals nothing.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeStalePidFile } from "../../src/act/pid-file-removal.js";
import type { Service } from "../../src/config/types.js";
import type { Snapshot } from "../../src/scan/types.js";
import { readPidFiles, type PidFileRead } from "../../src/scan/pid-files.js";
import {
  classifyPidFiles,
  untrackedInstances,
  type PidFileFinding,
} from "../../src/services/pid-files.js";
import { serviceInstances } from "../../src/services/instances.js";
import { config } from "../helpers/fixtures.js";
import { scanPids, statOf, waitFor } from "../helpers/scene.js";
import { stopChild } from "../helpers/stop-child.js";

const token = randomBytes(8).toString("hex");
const SERVICE_TOKEN = `cleanup-pidfile-svc-${token}`;
const OTHER_TOKEN = `cleanup-pidfile-other-${token}`;
const SLEEP = "import time; time.sleep(300)";

const started: ChildProcess[] = [];
let dir: string;
let python: string;
let tracked: ChildProcess;
let untracked: ChildProcess;
let other: ChildProcess;
let deadPid: number;
let service: Service;
let snap: Snapshot;
let reads: PidFileRead[];
let findings: PidFileFinding[];

function start(command: string, args: string[], argv0?: string): ChildProcess {
  const child = spawn(command, args, { stdio: "ignore", ...(argv0 ? { argv0 } : {}) });
  started.push(child);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return child;
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

const pidOf = (child: ChildProcess): number => child.pid as number;
const alive = (pid: number): boolean => {
  const state = statOf(pid)?.state;
  return state !== undefined && state !== "Z" && state !== "X";
};
const finding = (name: string): PidFileFinding | undefined =>
  findings.find((f) => f.path === join(dir, name));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), `cleanup-pidfiles-it-${token}-`));
  // The interpreter itself: python3 may be a shim script that execs it.
  python = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
    encoding: "utf8",
  }).trim();

  tracked = start(python, ["-c", SLEEP, SERVICE_TOKEN]);
  untracked = start(python, ["-c", SLEEP, SERVICE_TOKEN]);
  // Another program, with its own token as argv[0].
  other = start("sleep", ["300"], OTHER_TOKEN);
  const dead = start(python, ["-c", "pass", SERVICE_TOKEN]);
  deadPid = pidOf(dead);
  if (dead.exitCode === null && dead.signalCode === null)
    await new Promise<void>((resolve) => dead.once("exit", () => resolve()));
  for (const [child, mark] of [
    [tracked, SERVICE_TOKEN],
    [untracked, SERVICE_TOKEN],
    [other, OTHER_TOKEN],
  ] as const)
    await waitFor(`${pidOf(child)} to run`, () => cmdlineOf(pidOf(child)).includes(mark));

  writeFileSync(join(dir, "dead.pid"), `${deadPid}\n`);
  writeFileSync(join(dir, "other.pid"), `${pidOf(other)}\n`);
  writeFileSync(join(dir, "tracked.pid"), `${pidOf(tracked)}\n`);

  service = config(
    [
      "rules: []",
      "services:",
      "  - name: it-service",
      `    match: { cmdline: '${SERVICE_TOKEN}' }`,
      `    pid_files: ['${dir}/*.pid']`,
      "    remove_stale_pid_files: true",
      "",
    ].join("\n"),
  ).services[0] as Service;

  const ours = new Set([pidOf(tracked), pidOf(untracked), pidOf(other), deadPid]);
  snap = scanPids(ours);
  const byPid = new Map(snap.processes.map((p) => [p.pid, p]));
  reads = readPidFiles(service.pidFiles);
  findings = classifyPidFiles(service, reads, snap, (pid) => byPid.get(pid));
});

afterAll(async () => {
  // Only what this test started, each by its own handle (its pid).
  for (const child of started) await stopChild(child);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("PID files of a service, on the real /proc", () => {
  it("reads each PID file once", () => {
    expect(reads.map((r) => r.path)).toEqual(
      ["dead.pid", "other.pid", "tracked.pid"].map((n) => join(dir, n)),
    );
    expect(service.removeStalePidFiles).toBe(true);
  });

  it("(a) a pid whose process exited is stale, and the stale file is removed", () => {
    expect(finding("dead.pid")).toMatchObject({ kind: "stale", pid: deadPid });
    expect(finding("dead.pid")?.detail).toMatch(
      new RegExp(`^pid ${deadPid} is not running \\(file written \\d+s ago\\)$`),
    );
    const read = reads.find((r) => r.path === join(dir, "dead.pid")) as PidFileRead;
    expect(removeStalePidFile(read, "/proc")).toEqual({
      outcome: "removed",
      detail: `removed: pid ${deadPid} is not running`,
    });
    expect(existsSync(read.path)).toBe(false);
  });

  it("(b) a pid of another program is reused, and that program is left alone", () => {
    const f = finding("other.pid");
    expect(f).toMatchObject({ kind: "reused", pid: pidOf(other) });
    expect(f?.process).toMatchObject({
      pid: pidOf(other),
      comm: "sleep",
      argv: [OTHER_TOKEN, "300"],
    });
    expect(f?.detail).toContain(`now belongs to another program (sleep: ${OTHER_TOKEN} 300)`);
    // Even if asked to remove it, the live pid keeps the file in place.
    const read = reads.find((r) => r.path === join(dir, "other.pid")) as PidFileRead;
    expect(removeStalePidFile(read, "/proc").outcome).toBe("alive");
    expect(existsSync(read.path)).toBe(true);
    expect(alive(pidOf(other))).toBe(true);
  });

  it("(c) the pid of the running service process is ok", () => {
    expect(finding("tracked.pid")).toMatchObject({
      kind: "ok",
      pid: pidOf(tracked),
      process: { pid: pidOf(tracked), argv: [python, "-c", SLEEP, SERVICE_TOKEN] },
    });
  });

  it("(d) a running service process no PID file names is untracked", () => {
    const byPid = new Map(snap.processes.map((p) => [p.pid, p]));
    const instances = serviceInstances(service, snap, (pid) => byPid.get(pid));
    expect(instances.map((p) => p.pid).sort((a, b) => a - b)).toEqual(
      [pidOf(tracked), pidOf(untracked)].sort((a, b) => a - b),
    );
    expect(untrackedInstances(service, instances, findings).map((p) => p.pid)).toEqual([
      pidOf(untracked),
    ]);
    expect(alive(pidOf(tracked))).toBe(true);
    expect(alive(pidOf(untracked))).toBe(true);
  });
});
