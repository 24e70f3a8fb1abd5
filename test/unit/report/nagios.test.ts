import { describe, expect, it } from "vitest";
import { StateDirError } from "../../../src/act/session.js";
import { ConfigError } from "../../../src/config/errors.js";
import { isInternalError } from "../../../src/exit-codes.js";
import { nagiosErrorLine, quoteLabel, renderNagios } from "../../../src/report/nagios.js";
import type { RunReport } from "../../../src/report/run-report.js";
import { ScanError } from "../../../src/scan/types.js";
import { UsageError } from "../../../src/shared/usage-error.js";
import {
  alertEntry,
  busyReport,
  dryReport,
  killEntry,
  liveReport,
  result,
  threshold,
} from "../../helpers/run-report.js";

const CALM_PERF =
  "memory=41.3%;75;85;0;100 cpu=12%;80;90;0;100 disk_/=21.5%;80;90;0;100 disk_inodes_/=3.1%;80;90;0;100";

/** A dry run with nothing to do on a calm host. */
function calm(): RunReport {
  const report = dryReport();
  report.plan = { entries: [], spared: [], refusals: [], inactive: [] };
  report.results = [];
  return report;
}

const text = (line: string): string => line.slice(0, line.indexOf(" | "));

describe("renderNagios", () => {
  it("OK: nothing to do, with the host's values", () => {
    expect(renderNagios(calm())).toEqual({
      state: "OK",
      line:
        "CLEANUP OK - no orphans; memory 41.3%, cpu 12.0%, disk / 21.5%, disk / inodes 3.1% | " +
        `${CALM_PERF} orphans=0;;;0 killed=0;;;0 failed=0;;;0 spared=0;;;0 scanned=312;;;0 duration=0.12s;;;0`,
    });
  });

  it("WARNING: a dry run found an orphan that would be killed", () => {
    expect(renderNagios(dryReport())).toEqual({
      state: "WARNING",
      line:
        "CLEANUP WARNING - 1 orphan would be killed (orphaned-multiprocessing) | " +
        `${CALM_PERF} orphans=1;;;0 killed=0;;;0 failed=0;;;0 spared=1;;;0 scanned=312;;;0 duration=0.12s;;;0`,
    });
  });

  it("WARNING: a threshold at warn, named with its limit, before the orphans", () => {
    const report = dryReport();
    report.plan!.entries.push(killEntry("orphaned-multiprocessing", 102));
    report.thresholds![0] = threshold("memory", 81.2, "warn");
    const { line, state } = renderNagios(report);
    expect(state).toBe("WARNING");
    expect(text(line)).toBe(
      "CLEANUP WARNING - memory 81.2% (warn 75%); 2 orphans would be killed (orphaned-multiprocessing)",
    );
    expect(line).toContain(" | memory=81.2%;75;85;0;100 cpu=12%;80;90;0;100 ");
  });

  it("CRITICAL: a failed kill, a budget refusal, a critical threshold, worst first", () => {
    const { line, state } = renderNagios(liveReport());
    expect(state).toBe("CRITICAL");
    expect(line).toBe(
      "CLEANUP CRITICAL - 1 kill failed: 1 not-permitted (orphaned-multiprocessing); " +
        "rule big-sweep over its kill budget (60 > 50): killed none; memory 81.2% (warn 75%); " +
        "alert rule hung-jobs matched 2 processes; " +
        "alerts not delivered to hook (connect ECONNREFUSED 127.0.0.1:9) (+3 more) | " +
        "memory=81.2%;75;85;0;100 cpu=12%;80;90;0;100 disk_/=21.5%;80;90;0;100 disk_inodes_/=3.1%;80;90;0;100 " +
        "disk_/mnt/nfs=U;80;90;0;100 disk_inodes_/mnt/nfs=U;80;90;0;100 " +
        "orphans=63;;;0 killed=2;;;0 failed=1;;;0 spared=3;;;0 scanned=312;;;0 duration=0.412s;;;0",
    );
  });

  it("a live run that left processes undetailed says how many beside its spared count", () => {
    const report = liveReport();
    report.scan = { ...report.scan!, notDetailed: 290 };
    const { line } = renderNagios(report);
    expect(line).toContain(" spared=3;;;0 scanned=312;;;0 not_detailed=290;;;0 duration=");
    expect(renderNagios(liveReport()).line).not.toContain("not_detailed");
  });

  it("state precedence: CRITICAL > WARNING > UNKNOWN > OK", () => {
    const cases: [string, (r: RunReport) => void, string][] = [
      ["nothing", () => {}, "OK"],
      [
        "unknown threshold",
        (r) => r.thresholds!.push(threshold("swap", null, "unknown")),
        "UNKNOWN",
      ],
      [
        "unknown and warn",
        (r) =>
          r.thresholds!.push(
            threshold("swap", null, "unknown"),
            threshold("cpu", 85, "warn", 80, 90),
          ),
        "WARNING",
      ],
      [
        "warn and critical",
        (r) =>
          r.thresholds!.push(
            threshold("swap", 95, "critical", 50, 80),
            threshold("cpu", 85, "warn", 80, 90),
          ),
        "CRITICAL",
      ],
      [
        "a refusal alone",
        (r) =>
          r.plan!.refusals.push({
            rule: "x",
            scope: "run",
            wouldKill: 5,
            budget: 2,
            severity: "critical",
            message: "m",
          }),
        "CRITICAL",
      ],
      ["a stuck kill alone", (r) => r.results.push(result("x", 9, "stuck")), "CRITICAL"],
      ["an info alert", (r) => r.plan!.entries.push(alertEntry("note", 5, "info")), "OK"],
      [
        "a warning alert",
        (r) => r.plan!.entries.push(alertEntry("watch", 5, "warning")),
        "WARNING",
      ],
      [
        "a critical alert",
        (r) => r.plan!.entries.push(alertEntry("page", 5, "critical")),
        "CRITICAL",
      ],
      [
        "a failed delivery",
        (r) =>
          r.alerts!.deliveries.push({
            sink: "mail",
            type: "email",
            status: "failed",
            notifications: 1,
            dropped: 0,
          }),
        "WARNING",
      ],
    ];
    for (const [what, change, expected] of cases) {
      const report = calm();
      change(report);
      expect(renderNagios(report).state, what).toBe(expected);
    }
  });

  it("OK: a live run that killed its orphans did its job, and says so", () => {
    const report = calm();
    report.dryRun = false;
    report.mode = "run";
    report.plan!.entries = [killEntry("stale", 11), killEntry("stale", 12, 11)];
    report.results = [result("stale", 11, "terminated"), result("stale", 12, "killed")];
    const { line, state } = renderNagios(report);
    expect(state).toBe("OK");
    expect(text(line)).toBe(
      "CLEANUP OK - 2 orphans killed (stale); memory 41.3%, cpu 12.0%, disk / 21.5%, disk / inodes 3.1%",
    );
    expect(line).toContain(" orphans=2;;;0 killed=2;;;0 failed=0;;;0 ");
  });

  it("services: a failing probe and PID-file problems at the service's severity", () => {
    const report = calm();
    const health = {
      url: "http://127.0.0.1:9091/health",
      status: "unhealthy" as const,
      httpStatus: 200,
      reason: 'status is "unhealthy" (expected "healthy")',
      body: null,
      values: [],
      durationMs: 5,
      failures: 2,
    };
    report.services = [
      { name: "ok-svc", severity: "critical", instances: [], pidFiles: [], untracked: [] },
      {
        name: "worker",
        severity: "warning",
        instances: [],
        pidFiles: [
          { service: "worker", path: "/a.pid", kind: "stale", pid: 5, detail: "" },
          {
            service: "worker",
            path: "/b.pid",
            kind: "stale",
            pid: 6,
            detail: "",
            removal: { outcome: "removed", detail: "" },
          },
          { service: "worker", path: "/c.pid", kind: "reused", pid: 7, detail: "" },
        ],
        untracked: [],
        health,
      },
      { name: "api", severity: "critical", instances: [], pidFiles: [], untracked: [], health },
    ];
    const { state, line } = renderNagios(report);
    expect(state).toBe("CRITICAL");
    expect(text(line)).toBe(
      'CLEANUP CRITICAL - service api unhealthy: status is "unhealthy" (expected "healthy"); ' +
        'service worker unhealthy: status is "unhealthy" (expected "healthy"); ' +
        "service worker PID files: 1 stale, 1 reused",
    );
  });

  it("UNKNOWN: another run held the lock", () => {
    const busy = busyReport();
    expect(renderNagios(busy)).toEqual({
      state: "UNKNOWN",
      line: "CLEANUP UNKNOWN - another run holds the lock (pid 4242 since 2026-06-01T09:59:00.000Z): this run did nothing | duration=0.002s;;;0",
    });
  });

  it("perfdata: unknown values as U, load per core without a maximum, quoted labels", () => {
    const report = calm();
    report.thresholds = [
      threshold("load", 0.3125, "ok", 1.5, 3, "per core"),
      threshold("disk:/mnt/my disk", null, "unknown", 80, 90),
      threshold("disk:/mnt/it's", 50, "ok", 80, 90),
      threshold("disk:/mnt/a=b", 50, "ok", 80, 90),
    ];
    const { line, state } = renderNagios(report);
    expect(state).toBe("UNKNOWN");
    expect(text(line)).toBe("CLEANUP UNKNOWN - disk /mnt/my disk unknown");
    expect(line.slice(line.indexOf(" | ") + 3)).toBe(
      "load=0.31;1.5;3;0 'disk_/mnt/my disk'=U;80;90;0;100 'disk_/mnt/it''s'=50%;80;90;0;100 " +
        "disk_/mnt/a_b=50%;80;90;0;100 " +
        "orphans=0;;;0 killed=0;;;0 failed=0;;;0 spared=0;;;0 scanned=312;;;0 duration=0.12s;;;0",
    );
  });

  it("quotes labels that need it", () => {
    expect(quoteLabel("memory")).toBe("memory");
    expect(quoteLabel("disk_/var/lib")).toBe("disk_/var/lib");
    expect(quoteLabel("disk_/a b")).toBe("'disk_/a b'");
    expect(quoteLabel("o'neil")).toBe("'o''neil'");
    expect(quoteLabel("a|b")).toBe("a/b");
  });

  it("keeps the text on one line and free of '|' (which starts the perfdata)", () => {
    const report = calm();
    report.plan!.entries.push(alertEntry("a|b\nc", 5, "warning"));
    const { line } = renderNagios(report);
    expect(line).not.toContain("\n");
    expect(line.split("|")).toHaveLength(2);
    expect(text(line)).toBe("CLEANUP WARNING - alert rule a/b c matched 1 process");
  });

  it("names at most five problems, then how many more", () => {
    const report = calm();
    for (let i = 0; i < 7; i++) report.plan!.entries.push(alertEntry(`r${i}`, 10 + i, "warning"));
    expect(text(renderNagios(report).line)).toBe(
      "CLEANUP WARNING - alert rule r0 matched 1 process; alert rule r1 matched 1 process; " +
        "alert rule r2 matched 1 process; alert rule r3 matched 1 process; " +
        "alert rule r4 matched 1 process (+2 more)",
    );
  });
});

describe("nagiosErrorLine", () => {
  // As main calls it: src/exit-codes.ts says which errors are internal.
  const errorLine = (error: unknown): string => nagiosErrorLine(error, isInternalError(error));

  it("names the first config problem and how many more", () => {
    const error = new ConfigError("/etc/cleanup/rules.yaml", [
      {
        file: "/etc/cleanup/rules.yaml",
        line: 4,
        col: 7,
        path: "rules[0].match.older_than",
        problem: "not a duration",
        got: '"1 day"',
        expected: "e.g. 1d",
      },
      {
        file: "/etc/cleanup/rules.yaml",
        line: 9,
        col: 3,
        path: "rules[1]",
        problem: "unknown key",
      },
    ]);
    expect(errorLine(error)).toBe(
      'CLEANUP UNKNOWN - config invalid: /etc/cleanup/rules.yaml:4:7 rules[0].match.older_than: not a duration (got "1 day", expected e.g. 1d) (+1 more)',
    );
  });

  it("gives the message of scan, state directory and usage errors, and marks others internal", () => {
    expect(errorLine(new ScanError("cannot read /proc: EACCES"))).toBe(
      "CLEANUP UNKNOWN - cannot read /proc: EACCES",
    );
    expect(errorLine(new StateDirError("cannot create /var/lib/cleanup: EROFS"))).toBe(
      "CLEANUP UNKNOWN - cannot create /var/lib/cleanup: EROFS",
    );
    expect(errorLine(new UsageError("unknown option --frob"))).toBe(
      "CLEANUP UNKNOWN - bad command line: unknown option --frob",
    );
    expect(errorLine(new TypeError("x is undefined\n  at y | z"))).toBe(
      "CLEANUP UNKNOWN - internal error: x is undefined at y / z",
    );
    expect(errorLine("thrown string")).toBe("CLEANUP UNKNOWN - internal error: thrown string");
  });
});
