// `cleanup status` always lists the rules whose `when` does not hold, and prints limits with
// their units (load per core too).
import { describe, expect, it } from "vitest";
import { renderStatus } from "../../../src/report/status.js";
import { dryReport, threshold } from "../../helpers/run-report.js";

describe("renderStatus", () => {
  it("lists inactive rules, and every limit with its unit", () => {
    const report = dryReport();
    report.thresholds = [...report.thresholds!, threshold("load", 0.31, "ok", 1.5, 3, "per core")];
    report.plan = {
      ...report.plan!,
      inactive: [{ rule: "under-pressure", reason: "memory is ok, rule needs critical" }],
    };
    const lines = renderStatus(report, false).split("\n");
    expect(lines).toContain("  rule under-pressure inactive: memory is ok, rule needs critical");
    const load = lines.find((l) => l.startsWith("  load per core"));
    expect(load).toMatch(/OK {7}warn 1\.5 per core, critical 3 per core;/);
    const memory = lines.find((l) => l.startsWith("  memory "));
    expect(memory).toContain("warn 75%, critical 85%");
  });

  it("lists the processes left in stopped units with the unit and its state, and what it could not tell", () => {
    const report = dryReport();
    report.leftInStoppedUnits = {
      processes: [
        {
          pid: 4242,
          startTicks: 1,
          ppid: 1,
          comm: "python3",
          argv: ["/usr/bin/python3", "worker.py"],
          user: "app",
          state: "S",
          ageMs: 3 * 86_400_000,
          rssBytes: 512 * 2 ** 20,
          unit: { name: "worker.service", state: "inactive (dead)", stopped: true },
        },
      ],
      unitsChecked: 31,
      unknown: 2,
      inUserUnits: 5,
      problem: "systemctl show told nothing of 2 of 31 units",
    };
    const lines = renderStatus(report, false).split("\n");
    const at = lines.indexOf(
      "LEFT IN STOPPED UNITS (31 units with processes checked; 2 processes in units of unknown state: systemctl show told nothing of 2 of 31 units; 5 processes in user managers' units, not asked)",
    );
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 2]).toMatch(/^ {5}4242 +512MiB +3d +app +\/usr\/bin\/python3 worker\.py$/);
    expect(lines[at + 3]).toBe("           in worker.service, inactive (dead) (parent 1)");
  });

  it("says none, and when no process sits in a system unit (no systemd)", () => {
    const report = dryReport();
    report.leftInStoppedUnits = {
      processes: [],
      unitsChecked: 0,
      unknown: 0,
      inUserUnits: 0,
      problem: null,
    };
    const lines = renderStatus(report, false).split("\n");
    const at = lines.indexOf("LEFT IN STOPPED UNITS (no process sits in a system unit)");
    expect(lines[at + 1]).toBe("  none");
  });
});
