// A whole live runOnce on a fixture /proc with a fixed clock: the same report every time, down
// to every timestamp and duration. Nothing real is signalled: kill only records the call and
// takes the process out of the fixture tree, as its death would. Host metrics come from the
// fixture (meminfo, loadavg, stat), the CPU sample's wait from the clock, the host name and
// the user names from the test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { renderJsonChunks } from "../../../src/report/json.js";
import { runOnce } from "../../../src/run/run-once.js";
import type { Clock } from "../../../src/shared/clock.js";
import { ProcFixture } from "../../helpers/fixtures.js";

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const ISO = new Date(NOW).toISOString();
/** Pids no real process has here (pid_max is at most 4,194,304). */
const ORPHAN = 4_190_201;
const PARENT = 4_190_202;
const CHILD = 4_190_203;
const UID = 4242;

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function tmp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Stands still but for its sleeps, which advance it (and call onSleep) without waiting. */
function fixedClock(onSleep: () => void): Clock {
  let elapsed = 0;
  return {
    now: () => NOW + elapsed,
    monotonic: () => elapsed,
    sleep: async (ms) => {
      elapsed += ms;
      onSleep();
    },
  };
}

/** /proc/stat with `busy` and `idle` ticks on one CPU. */
const statFile = (busy: number, idle: number): string =>
  `cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 ${busy} 0 0 ${idle} 0 0 0 0 0 0\n`;

function scene(token: string): ProcFixture {
  const f = new ProcFixture(1_000_000);
  cleanups.push(() => f.cleanup());
  const worker = ["python3", `/opt/${token}/worker.py`];
  f.add({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, startTicks: 1 });
  // Its parent is gone: adopted by PID 1, matched by the rule.
  f.add({
    pid: ORPHAN,
    ppid: 1,
    comm: "python3",
    argv: worker,
    uid: UID,
    exe: "/usr/bin/python3.12",
    startTicks: 40_000_000,
  });
  // The same worker under a live parent: not an orphan, left alone.
  f.add({
    pid: PARENT,
    ppid: 1,
    comm: "bash",
    argv: ["bash", `/opt/${token}/start.sh`],
    uid: UID,
    exe: "/usr/bin/bash",
    startTicks: 50_000_000,
  });
  f.add({
    pid: CHILD,
    ppid: PARENT,
    comm: "python3",
    argv: worker,
    uid: UID,
    exe: "/usr/bin/python3.12",
    startTicks: 50_000_100,
  });
  writeFileSync(
    join(f.root, "meminfo"),
    "MemTotal:       8000000 kB\nMemAvailable:   6000000 kB\nSwapTotal:            0 kB\nSwapFree:             0 kB\n",
  );
  writeFileSync(join(f.root, "loadavg"), "0.50 0.40 0.30 2/300 4190203\n");
  writeFileSync(join(f.root, "stat"), statFile(1000, 9000));
  return f;
}

/** `cpu`: the thresholds' cpu entry; `when`: the rule's (a rule that needs the current CPU). */
function configFile(token: string, cpu = "cpu: { warn: 80%, critical: 90% }, ", when = ""): string {
  const path = join(tmp("cleanup-run-once-config-"), "rules.yaml");
  writeFileSync(
    path,
    `
settings: { grace: 5s, cpu_sample: 200ms }
thresholds: { memory: { warn: 75%, critical: 85% }, ${cpu}disk: false }
alerts:
  sinks:
    - { name: journal, type: log }
rules:
  - name: orphans
    match: { cmdline: '^python3 /opt/${token}/worker\\.py$', orphaned: true }
    action: kill
${when}`,
  );
  return path;
}

describe("runOnce on a fixture /proc with a fixed clock", () => {
  it("gives the exact report, and every timestamp it writes is the clock's", async () => {
    const token = `tok${Math.random().toString(36).slice(2, 10)}`;
    const f = scene(token);
    const stateDir = tmp("cleanup-run-once-state-");
    const config = configFile(token);
    const passwd = join(tmp("cleanup-run-once-passwd-"), "passwd");
    writeFileSync(passwd, `root:x:0:0::/root:/bin/sh\nworker:x:${UID}:${UID}::/home/w:/bin/sh\n`);
    const log = new PassThrough();
    let logged = "";
    log.on("data", (chunk: Buffer) => (logged += chunk.toString()));
    const kills: [number, string][] = [];

    const report = await runOnce({
      configPath: config,
      mode: "run",
      stateDir,
      procRoot: f.root,
      // The CPU sample's 200 ms pass on the clock: 100 busy and 100 idle ticks meanwhile.
      clock: fixedClock(() => writeFileSync(join(f.root, "stat"), statFile(1100, 9100))),
      actor: { uid: UID, mayKillAnyUser: false },
      hostname: "fixture-host",
      passwdPath: passwd,
      logStream: log,
      kill: (pid, signal) => {
        kills.push([pid, signal]);
        f.remove(pid);
      },
    });
    const json = JSON.parse([...renderJsonChunks(report, 0)].join("")) as unknown;

    expect(kills).toEqual([[ORPHAN, "SIGTERM"]]);
    expect(json).toStrictEqual(expected(token, config, stateDir));

    // The audit line, the last-run record and the CPU state carry the same clock.
    const audit = readFileSync(join(stateDir, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audit).toEqual([
      {
        // Sent at the clock's start: the CPU sample a threshold needs waits until after it.
        time: "2026-12-02T12:00:00.000Z",
        pid: ORPHAN,
        startTicks: 40_000_000,
        argv: ["python3", `/opt/${token}/worker.py`],
        exe: "/usr/bin/python3.12",
        rule: "orphans",
        signal: "SIGTERM",
        outcome: "sent",
      },
    ]);
    const lastRun = JSON.parse(readFileSync(join(stateDir, "last-run.json"), "utf8")) as unknown;
    expect(lastRun).toEqual({
      version: 1,
      finishedAt: "2026-12-02T12:00:00.200Z",
      outcome: "ok",
      killed: 1,
      failed: 0,
      refusals: 0,
      alerts: 0,
      thresholds: [],
      durationMs: 200,
    });
    const cpu = JSON.parse(readFileSync(join(stateDir, "cpu.json"), "utf8")) as {
      takenAtMs: number;
    };
    expect(cpu.takenAtMs).toBe(NOW + 200);
    // The log sink told the kill, with the host and time of the run (the line's own "time" is
    // pino's, the moment it was written).
    const lines = logged
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      key: "killed:orphans",
      host: "fixture-host",
      startsAt: "2026-12-02T12:00:00.200Z",
    });
  });
});

describe("what a live run reads in detail, against a dry run of the same table", () => {
  it("the live run leaves out PID 1 (not an orphan) and says so; the dry run reads and counts all", async () => {
    const token = `tok${Math.random().toString(36).slice(2, 10)}`;
    const f = scene(token);
    const passwd = join(tmp("cleanup-run-once-passwd-"), "passwd");
    writeFileSync(passwd, `root:x:0:0::/root:/bin/sh\nworker:x:${UID}:${UID}::/home/w:/bin/sh\n`);
    const killed: number[] = [];
    const once = (mode: "run" | "dry-run") =>
      runOnce({
        configPath: configFile(token, "cpu: false, "),
        mode,
        stateDir: tmp("cleanup-run-once-state-"),
        procRoot: f.root,
        clock: fixedClock(() => {}),
        actor: { uid: UID, mayKillAnyUser: false },
        hostname: "fixture-host",
        passwdPath: passwd,
        logStream: new PassThrough(),
        kill: (pid) => {
          killed.push(pid);
          f.remove(pid);
        },
      });
    const dry = await once("dry-run");
    expect(dry.scan).toMatchObject({ processes: 4, detailed: 4 });
    expect(dry.scan?.notDetailed).toBeUndefined();
    // The dry run first: the live one takes the orphan out of the fixture, as its death would.
    const live = await once("run");
    expect(killed).toEqual([ORPHAN]);
    expect(live.scan).toMatchObject({ processes: 4, detailed: 3, notDetailed: 1 });
    const decided = (r: typeof live) => ({
      entries: r.plan?.entries.map((e) => [e.action, e.process.pid, e.facts]),
      spared: r.plan?.spared.map((s) => [s.process.pid, s.code, s.reasons]),
    });
    expect(decided(live)).toEqual(decided(dry));
  });
});

describe("when the run waits for its CPU sample", () => {
  /** A live run on the scene; the audit's time of its one SIGTERM and the report. */
  async function liveRun(cpu: string, when: string) {
    const token = `tok${Math.random().toString(36).slice(2, 10)}`;
    const f = scene(token);
    const stateDir = tmp("cleanup-run-once-state-");
    const passwd = join(tmp("cleanup-run-once-passwd-"), "passwd");
    writeFileSync(passwd, `root:x:0:0::/root:/bin/sh\nworker:x:${UID}:${UID}::/home/w:/bin/sh\n`);
    const kills: number[] = [];
    const report = await runOnce({
      configPath: configFile(token, cpu, when),
      mode: "run",
      stateDir,
      procRoot: f.root,
      clock: fixedClock(() => writeFileSync(join(f.root, "stat"), statFile(1100, 9100))),
      actor: { uid: UID, mayKillAnyUser: false },
      hostname: "fixture-host",
      passwdPath: passwd,
      logStream: new PassThrough(),
      kill: (pid) => {
        kills.push(pid);
        f.remove(pid);
      },
    });
    expect(kills).toEqual([ORPHAN]);
    const audit = JSON.parse(readFileSync(join(stateDir, "audit.jsonl"), "utf8")) as {
      time: string;
    };
    return { sentAt: audit.time, report };
  }

  it("a rule with `when: { cpu }` needs the current value: the 200 ms pass before the plan", async () => {
    const { sentAt, report } = await liveRun(
      "cpu: { warn: 40%, critical: 90% }, ",
      "    when: { cpu: warn }\n",
    );
    expect(sentAt).toBe("2026-12-02T12:00:00.200Z");
    expect(report.timings?.sampleWaitMs).toBe(200);
    expect(report.host?.cpu).toMatchObject({ source: "sample", intervalMs: 200, busyPercent: 50 });
  });

  it("nothing needs the current CPU (no cpu threshold, no rule asks): no wait at all", async () => {
    const { sentAt, report } = await liveRun("cpu: false, ", "");
    expect(sentAt).toBe("2026-12-02T12:00:00.000Z");
    expect(report.timings?.sampleWaitMs).toBe(0);
    expect(report.durationMs).toBe(0);
  });
});

/**
 * The report of that run. The scan, the host's figures and the kill are taken at the clock's
 * start; the CPU sample (only thresholds.cpu needs it) waits its 200 ms after the kill, before
 * the alerts; no other time passes (the clock only moves in its sleeps), so every other duration
 * is 0.
 */
function expected(token: string, config: string, stateDir: string): unknown {
  const argv = ["python3", `/opt/${token}/worker.py`];
  const after = "2026-12-02T12:00:00.200Z";
  const ref = (pid: number, ppid: number, startTicks: number) => ({
    pid,
    startTicks,
    ppid,
    comm: "python3",
    argv,
    user: "worker",
    state: "S",
    // uptime 1,000,000 s; start time in ticks of 10 ms
    ageMs: (1_000_000 - startTicks / 100) * 1000,
    rssBytes: 256 * 4096,
  });
  return {
    format: "cleanup.run/1",
    mode: "run",
    dryRun: false,
    configFile: config,
    stateDir,
    actor: { uid: UID, mayKillAnyUser: false },
    results: [
      {
        pid: ORPHAN,
        startTicks: 40_000_000,
        rule: "orphans",
        outcome: "terminated",
        signals: ["SIGTERM"],
        elapsedMs: 0,
      },
    ],
    stateProblems: [],
    outcome: "ok",
    auditLog: join(stateDir, "audit.jsonl"),
    // A live run: PID 1 fails `orphaned` on its stat alone, so its command line is not read (a
    // dry run reads it). The worker under its live parent is read: the parent is an orphan,
    // and the rule kills trees.
    scan: { processes: 4, detailed: 3, notDetailed: 1, unreadable: 0, scanMs: 0, takenAt: ISO },
    host: {
      takenAtMs: NOW,
      memory: { totalBytes: 8_192_000_000, availableBytes: 6_144_000_000, usedPercent: 25 },
      swap: { totalBytes: 0, freeBytes: 0, usedPercent: 0 },
      cpu: {
        busyPercent: 50,
        iowaitPercent: 0,
        stealPercent: 0,
        source: "sample",
        intervalMs: 200,
        cores: 1,
      },
      load: { load1: 0.5, load5: 0.4, load15: 0.3, cores: 1, perCore1: 0.5 },
      disks: [],
      pressure: { cpu: null, memory: null, io: null },
      readMs: 0,
    },
    thresholds: [
      {
        key: "memory",
        resource: "memory",
        level: "ok",
        value: 25,
        unit: "%",
        warn: 75,
        critical: 85,
        message: "memory in use 25.0%: ok (warn 75%, critical 85%)",
      },
      {
        key: "cpu",
        resource: "cpu",
        level: "ok",
        value: 50,
        unit: "%",
        warn: 80,
        critical: 90,
        message:
          "CPU busy 50.0% (iowait 0.0%, steal 0.0%, 200 ms sample): ok (warn 80%, critical 90%)",
      },
    ],
    plan: {
      entries: [
        {
          action: "kill",
          rule: "orphans",
          severity: "warning",
          process: ref(ORPHAN, 1, 40_000_000),
          facts: [
            `cmdline matches /^python3 /opt/${token}/worker\\.py$/`,
            "orphaned (parent 1 systemd)",
          ],
          kill: { signal: "SIGTERM", graceMs: 5000 },
        },
      ],
      spared: [
        {
          rule: "orphans",
          process: ref(CHILD, PARENT, 50_000_100),
          code: "parent-alive",
          reasons: [`parent alive (parent ${PARENT} bash)`],
        },
      ],
      refusals: [],
      inactive: [],
    },
    alerts: {
      notifications: [
        {
          id: `killed:orphans@${after}#event`,
          key: "killed:orphans",
          status: "event",
          reminder: false,
          severity: "info",
          summary: "orphans: killed 1 process, 1.0MiB resident freed",
          details: [
            `pid ${ORPHAN} (worker, age 6d22h, rss 1.0MiB) python3 /opt/${token}/worker.py`,
          ],
          labels: { alertname: "CleanupKilled", rule: "orphans" },
          host: "fixture-host",
          startsAt: after,
          createdAt: after,
        },
      ],
      deliveries: [{ sink: "journal", type: "log", notifications: 1, dropped: 0, status: "sent" }],
      orphaned: {},
      outboxSaved: true,
      unsaved: {},
    },
    rules: [{ name: "orphans", action: "kill" }],
    timings: { scanMs: 0, hostMs: 0, sampleWaitMs: 200 },
    durationMs: 200,
    exitCode: 0,
  };
}
