// The text report's wording: what a dry run would be allowed to do, what "read in full" means,
// and rules whose `when` does not hold listed only with --verbose.
import { describe, expect, it } from "vitest";
import { renderText } from "../../../src/report/text.js";
import type { RunReport } from "../../../src/report/run-report.js";
import { dryReport, liveReport } from "../../helpers/run-report.js";

const withInactive = (report: RunReport): RunReport => ({
  ...report,
  plan: {
    ...report.plan!,
    inactive: [{ rule: "under-pressure", reason: "memory is ok, rule needs critical" }],
  },
});
const lines = (text: string) => text.split("\n");

describe("what the run may signal", () => {
  it("a dry run says what a live run would be allowed to do", () => {
    const root = renderText(dryReport());
    expect(lines(root)).toContain(
      "uid 0: a live run would be allowed to signal any user's processes",
    );
    expect(root).not.toContain("may signal");
    const user = renderText({ ...dryReport(), actor: { uid: 1000, mayKillAnyUser: false } });
    expect(lines(user)).toContain("uid 1000: a live run would act on its own processes only");
  });

  it("a live run says what it is allowed to do", () => {
    expect(lines(renderText(liveReport()))).toContain(
      "uid 0: allowed to signal any user's processes",
    );
    const user = renderText({ ...liveReport(), actor: { uid: 1000, mayKillAnyUser: false } });
    expect(lines(user)).toContain("uid 1000: acts on its own processes only");
  });
});

describe("the scan line", () => {
  it("says in words what the detailed count is", () => {
    const text = renderText(liveReport());
    expect(lines(text)[1]).toBe(
      "scanned 312 processes in 14 ms, 20 of them in full (command line and owner: those a rule or service could match)",
    );
    expect(text).not.toContain("in detail");
  });
});

describe("inactive rules", () => {
  it("are left out of a run's text by default, listed with verbose", () => {
    const report = withInactive(dryReport());
    expect(renderText(report)).not.toContain("inactive");
    expect(lines(renderText(report, { verbose: true }))).toContain(
      "rule under-pressure inactive: memory is ok, rule needs critical",
    );
  });
});
