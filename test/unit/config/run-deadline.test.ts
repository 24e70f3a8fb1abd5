// settings.run_deadline: its default, its unit, and its bounds as positioned config errors.
import { describe, expect, it } from "vitest";
import { ConfigError, formatProblem } from "../../../src/config/errors.js";
import { parseConfig } from "../../../src/config/load.js";

const RULES = "rules:\n  - { name: r, match: { comm: token-5c1e }, action: report }\n";

describe("settings.run_deadline", () => {
  it("defaults to 2m and takes any duration from 3s to 4m", () => {
    expect(parseConfig(RULES, "rules.yaml").settings.runDeadlineMs).toBe(120_000);
    for (const [text, ms] of [
      ["3s", 3_000],
      ["90s", 90_000],
      ["1m30s", 90_000],
      ["4m", 240_000],
    ] as const) {
      const config = parseConfig(`settings:\n  run_deadline: ${text}\n${RULES}`, "rules.yaml");
      expect(config.settings.runDeadlineMs).toBe(ms);
    }
  });

  it("below 3s, above 4m or not a duration: a positioned error naming the key and the bounds", () => {
    for (const text of ["2s", "2999ms", "5m", "1h", "soon"]) {
      let thrown: unknown;
      try {
        parseConfig(`settings:\n  run_deadline: ${text}\n${RULES}`, "rules.yaml");
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      const lines = (thrown as ConfigError).problems.map(formatProblem);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^rules\.yaml:2:17 settings\.run_deadline: /);
      if (text !== "soon") expect(lines[0]).toContain("expected from 3s to 4m");
    }
  });
});
