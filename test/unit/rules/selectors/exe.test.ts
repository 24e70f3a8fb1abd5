// The exe selector, both halves: an RE2 pattern → match on readlink /proc/PID/exe, protect
// (fail closed: unreadable without CAP_SYS_PTRACE), explain.
import { describe, expect, it } from "vitest";
import { exe } from "../../../../src/rules/selectors/exe.js";
import { proc } from "../../../helpers/fixtures.js";
import { judge, problems, selector } from "./harness.js";

describe("exe selector", () => {
  it.each([
    ["exe: 'python3$'", "/usr/bin/python3", "exe /usr/bin/python3 matches /python3$/"],
    ["exe: '^/opt/app/'", "/opt/app/bin/worker", "exe /opt/app/bin/worker matches /^/opt/app//"],
  ])("%s matches %s", (yaml, path, fact) => {
    const j = judge(selector(yaml), proc({ pid: 100, exe: path }));
    expect(j.facts).toEqual([fact]);
    expect(j.protect).toBe("listed in protect[0]");
  });

  it.each([
    ["exe: 'node$'", "/usr/bin/python3", "exe /usr/bin/python3 does not match /node$/"],
    ["exe: '^/opt/'", "/usr/bin/python3", "exe /usr/bin/python3 does not match /^/opt//"],
  ])("%s misses %s", (yaml, path, words) => {
    const j = judge(selector(yaml), proc({ pid: 100, exe: path }));
    expect(j).toMatchObject({
      facts: null,
      why: "mismatch",
      words,
      protect: null,
      entry: "no-match",
    });
  });

  it.each([["exe: 'python3$'"], ["exe: 'never-this'"], ["{ exe: 'x', comm: python3 }"]])(
    "%s on a process whose exe is unreadable: unknown, protect holds",
    (yaml) => {
      const j = judge(selector(yaml), proc({ pid: 100, exe: null }));
      expect(j).toMatchObject({
        facts: null,
        why: "unknown",
        words: "exe unreadable",
        protect: "protect[0] cannot be checked (exe unreadable)",
        entry: "cannot-check",
      });
    },
  );

  it("needs the scan to read exe, and has no stat-only test", () => {
    expect(exe.needs).toEqual(["wantExe"]);
    expect(exe.beforeDetail).toBeUndefined();
  });

  it("a service's exe may not match every path", () => {
    const yaml = "rules: []\nservices:\n  - name: s\n    match:\n      exe: ''\n";
    expect(problems(yaml)).toEqual([
      "rules.yaml:5:12 services[0].match.exe: matches every exe, so it selects nothing in particular (got '', expected a pattern only this service's processes carry)",
    ]);
  });
});
