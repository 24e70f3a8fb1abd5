// The comm selector, both halves: rules-file text → normalised names → match, protect, explain.
import { describe, expect, it } from "vitest";
import { comm } from "../../../../src/rules/selectors/comm.js";
import { proc } from "../../../helpers/fixtures.js";
import { judge, problems, selector } from "./harness.js";

describe("comm selector", () => {
  it.each([
    ["comm: python3", ["python3"]],
    ["comm: [bash, python3]", ["bash", "python3"]],
  ])("normalises %s to a list", (yaml, names) => {
    expect(selector(yaml)).toEqual({ comm: names });
  });

  it.each([
    ["comm: python3", "python3", "comm is python3"],
    ["comm: [bash, python3]", "python3", "comm is python3"],
    ["comm: [bash, python3]", "bash", "comm is bash"],
  ])("%s matches a process named %s", (yaml, name, fact) => {
    const j = judge(selector(yaml), proc({ pid: 100, comm: name }));
    expect(j.facts).toEqual([fact]);
    expect(j.protect).toBe("listed in protect[0]");
  });

  it.each([
    ["comm: bash", "python3", "comm python3 is not bash"],
    ["comm: [bash, sh]", "python3", "comm python3 is not bash, sh"],
    // Whole names only: no prefix, no pattern.
    ["comm: python", "python3", "comm python3 is not python"],
  ])("%s misses a process named %s", (yaml, name, words) => {
    const j = judge(selector(yaml), proc({ pid: 100, comm: name }));
    expect(j).toMatchObject({
      facts: null,
      why: "mismatch",
      words,
      protect: null,
      entry: "no-match",
    });
  });

  it.each([
    // comm comes with the process table: it is never unknown, but a process whose argv or uid
    // could not be read is held by protect anyway (built in: the entry cannot be checked).
    ["argv not read", { argv: null }],
    ["uid not read", { uid: null }],
  ])("a process with its %s is held by protect", (_what, fields) => {
    const j = judge(selector("comm: bash"), proc({ pid: 100, comm: "python3", ...fields }));
    expect(j.protect).toBe("not read in detail (cannot check protect)");
  });

  it.each([
    ["python3", true],
    ["bash", false],
  ])("tells before detail whether %s can match (%s)", (name, can) => {
    expect(comm.beforeDetail?.(["python3"], proc({ pid: 100, comm: name, argv: null }))).toBe(can);
  });

  it("needs nothing beyond the process table", () => {
    expect(comm.needs).toEqual([]);
    expect(comm.protectUnknown).toBeUndefined();
  });

  it.each([
    [
      "comm: [a-very-long-process-name]",
      "rules.yaml:5:13 rules[0].match.comm: 'a-very-long-process-name' is longer than 15 characters and can never match (the kernel cuts comm) (got a list, expected 'a-very-long-pro', or a cmdline or exe pattern)",
    ],
    [
      "comm: 7",
      "rules.yaml:5:13 rules[0].match.comm: wrong type (got 7, expected a name or a list of names)",
    ],
  ])("rejects %s in a rule", (line, problem) => {
    const yaml = `rules:\n  - name: r\n    action: report\n    match:\n      ${line}\n`;
    expect(problems(yaml)).toEqual([problem]);
  });
});
