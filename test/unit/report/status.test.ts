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
});
