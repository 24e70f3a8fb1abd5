// A realistic ExplainReport, from the real explanation (rules/explain.ts) and memberships of a
// fixture process table, put together as run/explain.ts does, as `cleanup explain 100 101 102 60 70 4242 --json` prints it: an orphan
// a kill rule acts on, its child killed as part of its tree, a worker spared (parent alive), a
// service instance that listens and is named by a PID file, a protected tracker, a rule whose
// `when` does not hold, and a pid that is no such process.
import { exitCodeForExplain } from "../../src/exit-codes.js";
import type { ExplainReport } from "../../src/report/explain.js";
import { EXPLAIN_FORMAT } from "../../src/report/formats.js";
import { explainProcesses } from "../../src/rules/explain.js";
import type { PidFileRead } from "../../src/scan/pid-files.js";
import { memberships } from "../../src/services/membership.js";
import { SPAWN_ARGV, TRACKER_ARGV, config, proc, snapshot } from "./fixtures.js";

const RULES = config(`
protect:
  - cmdline: 'resource_tracker'
  - comm: [sshd]
rules:
  - name: orphans
    match: { cmdline: 'spawn_main', orphaned: true, older_than: 1h }
    action: kill
    tree: true
  - name: pressure
    match: { cmdline: 'spawn_main' }
    when: { memory: critical }
    action: kill
  - name: big
    match: { comm: [python3], rss_over: 1GB }
    action: alert
services:
  - name: web
    match: { cmdline: 'gunicorn app' }
    pid_files: ['/run/web.pid']
`);

const PROCESSES = [
  proc({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, user: "root" }),
  proc({ pid: 100, ppid: 1, argv: SPAWN_ARGV }),
  proc({ pid: 101, ppid: 100, comm: "sleep", argv: ["sleep", "60"] }),
  proc({ pid: 50, ppid: 1, argv: ["python3", "pool.py"] }),
  proc({ pid: 102, ppid: 50, argv: SPAWN_ARGV }),
  proc({
    pid: 60,
    ppid: 1,
    comm: "gunicorn",
    argv: ["gunicorn", "app"],
    exe: "/usr/bin/python3.12",
    listening: [
      { proto: "tcp", address: "127.0.0.1", port: 8000, inode: 41 },
      { proto: "tcp6", address: "::1", port: 8000, inode: 42 },
    ],
  }),
  proc({ pid: 70, ppid: 1, argv: TRACKER_ARGV }),
];

const PID_FILES = new Map<string, PidFileRead[]>([
  [
    "web",
    [
      {
        path: "/run/web.pid",
        pid: 60,
        problem: null,
        mtimeMs: 0,
        dev: 1,
        ino: 1,
        size: 3,
        content: "60\n",
      },
    ],
  ],
]);

export function explainReport(pids = [100, 101, 102, 60, 70, 4242]): ExplainReport {
  const snap = snapshot(PROCESSES);
  const actor = { uid: 1000, mayKillAnyUser: false };
  const levels = { memory: "ok" as const };
  const { explanations } = explainProcesses(snap, RULES, actor, levels, pids);
  const byPid = new Map(PROCESSES.map((p) => [p.pid, p]));
  const lookup = (pid: number) => byPid.get(pid);
  const processes = explanations.map((e, i) =>
    e === null
      ? { pid: pids[i]!, found: false as const }
      : {
          ...e,
          found: true as const,
          services: memberships(byPid.get(e.pid)!, RULES.services, lookup, PID_FILES),
        },
  );
  return {
    outcome: processes.every((p) => p.found) ? "explained" : "missing",
    configFile: RULES.file,
    actor,
    scannedAt: new Date(snap.takenAtMs).toISOString(),
    levels,
    processes,
  };
}

/** The document as commands/explain.ts prints it: the format first, the exit code last. */
export function explainJson(report = explainReport()): string {
  const doc = { format: EXPLAIN_FORMAT, ...report, exitCode: exitCodeForExplain(report.outcome) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
