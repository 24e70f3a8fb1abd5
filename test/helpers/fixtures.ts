// Plain-data builders for the pure core, and fixture /proc trees for the scan.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/types.js";
import type { ProcessInfo, Snapshot } from "../../src/scan/types.js";

export const DAY = 86_400_000;

export function proc(fields: Partial<ProcessInfo> & { pid: number }): ProcessInfo {
  return {
    ppid: 1,
    pgid: fields.pid,
    sid: fields.pid,
    comm: "python3",
    state: "S",
    startTicks: 1000 + fields.pid,
    kernelThread: false,
    ageMs: 2 * DAY,
    rssBytes: 100 * 2 ** 20,
    cpuMs: 10,
    argv: ["python3", "app.py"],
    uid: 1000,
    signalUids: [1000, 1000],
    user: "app",
    exe: null,
    ...fields,
  };
}

export function snapshot(processes: ProcessInfo[], selfPid = 999_999): Snapshot {
  return {
    takenAtMs: Date.UTC(2026, 10, 23),
    procRoot: "/fixture",
    clockTicks: 100,
    uptimeMs: 30 * DAY,
    selfPid,
    processes,
    detailed: processes.filter((p) => p.argv !== null).length,
    unreadable: 0,
    scanMs: 1,
  };
}

export function config(yaml: string): Config {
  return parseConfig(yaml, "test-rules.yaml");
}

export const SPAWN_ARGV = [
  "/usr/bin/python3",
  "-B",
  "-c",
  "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7)",
  "--multiprocessing-fork",
];

export const TRACKER_ARGV = [
  "/usr/bin/python3",
  "-B",
  "-c",
  "from multiprocessing.resource_tracker import main;main(5)",
];

export interface FixtureProcess {
  pid: number;
  ppid: number;
  comm?: string;
  state?: string;
  startTicks?: number;
  rssPages?: number;
  flags?: number;
  argv?: string[];
  uid?: number;
  /** Target of the exe symlink (need not exist); no link without it. */
  exe?: string;
  /** NSpid of status (e.g. [812, 1]: PID 1 of its own pid namespace); absent without it. */
  nsPid?: number[];
}

/** A fake /proc: <root>/<pid>/{stat,cmdline,status,exe} and <root>/uptime. */
export class ProcFixture {
  readonly root: string;
  constructor(uptimeSeconds = 1_000_000) {
    this.root = mkdtempSync(join(tmpdir(), "cleanup-proc-"));
    writeFileSync(join(this.root, "uptime"), `${uptimeSeconds}.00 123.00\n`);
  }

  add(p: FixtureProcess): this {
    const dir = join(this.root, String(p.pid));
    mkdirSync(dir, { recursive: true });
    this.setStat(p);
    writeFileSync(join(dir, "cmdline"), (p.argv ?? []).map((a) => `${a}\0`).join(""));
    const uid = p.uid ?? 1000;
    writeFileSync(
      join(dir, "status"),
      `Name:\t${p.comm ?? "x"}\nUmask:\t0022\nState:\tS\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nGid:\t0\t0\t0\t0\n${p.nsPid ? `NSpid:\t${p.nsPid.join("\t")}\n` : ""}`,
    );
    if (p.exe !== undefined) this.setExe(p.pid, p.exe);
    return this;
  }

  /** Rewrites cmdline (e.g. after an exec). */
  setArgv(pid: number, argv: string[]): void {
    writeFileSync(join(this.root, String(pid), "cmdline"), argv.map((a) => `${a}\0`).join(""));
  }

  /** Points exe at another file (e.g. after an exec). */
  setExe(pid: number, target: string): void {
    const link = join(this.root, String(pid), "exe");
    rmSync(link, { force: true });
    symlinkSync(target, link);
  }

  /** Rewrites stat (e.g. to turn a process into a zombie or reuse its pid). */
  setStat(p: FixtureProcess): void {
    writeFileSync(join(this.root, String(p.pid), "stat"), statLine(p));
  }

  remove(pid: number): void {
    rmSync(join(this.root, String(pid)), { recursive: true, force: true });
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A full 52-field /proc/PID/stat line. */
export function statLine(p: FixtureProcess): string {
  const fields = new Array<string | number>(52).fill(0);
  fields[0] = p.pid;
  fields[1] = `(${p.comm ?? "x"})`;
  fields[2] = p.state ?? "S";
  fields[3] = p.ppid;
  fields[4] = p.pid;
  fields[5] = p.pid;
  fields[8] = p.flags ?? 0x400000;
  fields[13] = 50; // utime
  fields[14] = 25; // stime
  fields[19] = 1; // threads
  fields[21] = p.startTicks ?? 5000;
  fields[22] = 1234567;
  fields[23] = p.rssPages ?? 256;
  return `${fields.join(" ")}\n`;
}
