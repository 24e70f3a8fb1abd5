// The cmdline selector, both halves: an RE2 pattern → match on argv joined, protect, explain.
import { describe, expect, it } from "vitest";
import { cmdline } from "../../../../src/rules/selectors/cmdline.js";
import { proc } from "../../../helpers/fixtures.js";
import { judge, problems, selector } from "./harness.js";

describe("cmdline selector", () => {
  it("normalises to a compiled pattern", () => {
    const sel = selector("cmdline: 'app\\.py$'");
    expect(sel.cmdline?.source).toBe("app\\.py$");
    expect(sel.cmdline?.test("python3 app.py")).toBe(true);
  });

  it.each([
    ["cmdline: 'app\\.py'", ["python3", "app.py"], "cmdline matches /app\\.py/"],
    // argv joined by single spaces.
    [
      "cmdline: '^python3 app\\.py$'",
      ["python3", "app.py"],
      "cmdline matches /^python3 app\\.py$/",
    ],
    [
      "cmdline: '-c from multiprocessing'",
      ["python3", "-c", "from", "multiprocessing"],
      "cmdline matches /-c from multiprocessing/",
    ],
  ])("%s matches %j", (yaml, argv, fact) => {
    const j = judge(selector(yaml), proc({ pid: 100, argv }));
    expect(j.facts).toEqual([fact]);
    expect(j.protect).toBe("listed in protect[0]");
  });

  it.each([
    ["cmdline: worker", ["python3", "app.py"], "cmdline does not match /worker/"],
    ["cmdline: '^app'", ["python3", "app.py"], "cmdline does not match /^app/"],
  ])("%s misses %j", (yaml, argv, words) => {
    const j = judge(selector(yaml), proc({ pid: 100, argv }));
    expect(j).toMatchObject({
      facts: null,
      why: "mismatch",
      words,
      protect: null,
      entry: "no-match",
    });
  });

  it.each([["cmdline: app"], ["cmdline: nothing-here"]])(
    "%s on a process whose argv was not read: unknown, protect holds",
    (yaml) => {
      const j = judge(selector(yaml), proc({ pid: 100, argv: null }));
      expect(j).toMatchObject({
        facts: null,
        why: "unknown",
        words: "command line not read",
        protect: "not read in detail (cannot check protect)",
      });
    },
  );

  it("needs no switch (argv is what detail reads) and has no stat-only test", () => {
    expect(cmdline.needs).toEqual([]);
    expect(cmdline.beforeDetail).toBeUndefined();
  });

  it.each([
    [
      "''",
      "rules.yaml:5:16 rules[0].match.cmdline: matches every cmdline, so it selects nothing in particular (expected a pattern only the processes to kill carry)",
    ],
    [
      "'.*'",
      "rules.yaml:5:16 rules[0].match.cmdline: matches every cmdline, so it selects nothing in particular (expected a pattern only the processes to kill carry)",
    ],
  ])("a kill rule may not use cmdline %s", (pattern, problem) => {
    problem = problem.replace("(expected", `(got ${pattern}, expected`);
    const yaml = `rules:\n  - name: r\n    action: kill\n    match:\n      cmdline: ${pattern}\n`;
    expect(problems(yaml)).toEqual([problem]);
  });
});
