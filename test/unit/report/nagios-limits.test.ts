// The Nagios status line names a crossed load limit with its unit, like every other output.
import { describe, expect, it } from "vitest";
import { renderNagios } from "../../../src/report/nagios.js";
import { dryReport, threshold } from "../../helpers/run-report.js";

describe("renderNagios: limits keep their units", () => {
  it("load per core at critical: (critical 3 per core), a percentage with %", () => {
    const report = dryReport();
    report.plan = { entries: [], spared: [], refusals: [], inactive: [] };
    report.results = [];
    report.thresholds = [
      threshold("load", 3.4, "critical", 1.5, 3, "per core"),
      threshold("memory", 81.2, "warn"),
    ];
    const { line, state } = renderNagios(report);
    expect(state).toBe("CRITICAL");
    const text = line.slice(0, line.indexOf(" | "));
    expect(text).toContain("load 3.40 per core (critical 3 per core)");
    expect(text).toContain("memory 81.2% (warn 75%)");
  });
});
