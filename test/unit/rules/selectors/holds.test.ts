// The holds selector, both halves: patterns → match on the process's open fd targets, the fact
// naming the file, unknown (not read, unreadable, over the fd limit) failing closed in protect,
// explain's words, and the cross-checks (never enough alone for a kill rule).
import { describe, expect, it } from "vitest";
import { holds } from "../../../../src/rules/selectors/holds.js";
import { plan } from "../../../../src/rules/plan.js";
import { config, proc, snapshot } from "../../../helpers/fixtures.js";
import { judge, problems, selector } from "./harness.js";

const GPU = ["/dev/null", "socket:[77]", "/dev/nvidiactl", "/dev/nvidia0", "/dev/nvidia0"];

describe("holds selector", () => {
  it.each([
    ["holds: '^/dev/nvidia'", ["^/dev/nvidia"]],
    ["holds: ['^/dev/nvidia', '^/dev/dri/renderD']", ["^/dev/nvidia", "^/dev/dri/renderD"]],
  ])("normalises %s to patterns", (yaml, sources) => {
    const sel = selector(yaml);
    expect(sel.holds?.map((p) => p.source)).toEqual(sources);
  });

  it.each([
    // The first held file that matches names the fact; the others counted once each.
    ["holds: '^/dev/nvidia'", GPU, "holds /dev/nvidiactl (+1 more)"],
    ["holds: '^/dev/nvidia\\d'", GPU, "holds /dev/nvidia0"],
    ["holds: ['^/dev/kfd$', 'nvidia0']", GPU, "holds /dev/nvidia0"],
    ["holds: '\\(deleted\\)$'", ["/tmp/w/model.bin (deleted)"], "holds /tmp/w/model.bin (deleted)"],
    // A file name chosen by the process: its newline is shown escaped, never as a line.
    ["holds: '^/tmp/evil'", ["/tmp/evil\nkill: everything"], "holds /tmp/evil\\nkill: everything"],
  ])("%s matches %j", (yaml, openFiles, fact) => {
    const j = judge(selector(yaml), proc({ pid: 100, openFiles }));
    expect(j.facts).toEqual([fact]);
    expect(j.protect).toBe("listed in protect[0]");
  });

  it("cuts a long target in the fact", () => {
    const long = `/tmp/${"d".repeat(3000)}`;
    const [fact] = judge(selector("holds: '^/tmp/'"), proc({ pid: 100, openFiles: [long] })).facts!;
    expect(fact!.length).toBeLessThanOrEqual(206);
    expect(fact!.endsWith("…")).toBe(true);
  });

  it.each([
    ["holds: '^/dev/nvidia'", [], "holds no open file matching /^/dev/nvidia/ (0 open fds)"],
    [
      "holds: ['^/dev/nvidia', '^/dev/kfd$']",
      ["/dev/null", "/dev/kfd-not"],
      "holds no open file matching /^/dev/nvidia/, /^/dev/kfd$/ (2 open fds)",
    ],
  ])("%s misses %j", (yaml, openFiles, words) => {
    const j = judge(selector(yaml), proc({ pid: 100, openFiles }));
    expect(j).toMatchObject({
      facts: null,
      why: "mismatch",
      words,
      protect: null,
      entry: "no-match",
    });
  });

  it("not read (an earlier test failed): unknown, explain says so, protect holds", () => {
    const j = judge(selector("holds: '^/dev/nvidia'"), proc({ pid: 100 }));
    expect(j).toMatchObject({
      facts: null,
      why: "unknown",
      words: "open files not read: it failed an earlier test",
      protect: "protect[0] cannot be checked (open files not read)",
      entry: "cannot-check",
    });
  });

  it("unreadable or over the fd limit (null): unknown, a kill rule does not match, protect holds", () => {
    const j = judge(selector("holds: '^/dev/nvidia'"), proc({ pid: 100, openFiles: null }));
    expect(j).toMatchObject({
      facts: null,
      why: "unknown",
      words: "open files unknown (fd directory unreadable, or more fds than the scan reads)",
      protect: "protect[0] cannot be checked (open files unreadable)",
      entry: "cannot-check",
    });
  });

  it("needs the open files read (the staged filter), and has no stat-only test", () => {
    expect(holds.needs).toEqual(["openFilesFilter"]);
    expect(holds.beforeDetail).toBeUndefined();
  });

  describe("in a plan", () => {
    const rules = config(`
rules:
  - name: gpu
    match: { cmdline: '^python3 train\\.py', holds: '^/dev/nvidia', orphaned: true }
    action: kill
`);
    const run = (p: ReturnType<typeof proc>) =>
      plan(snapshot([proc({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"] }), p]), rules, {
        uid: 0,
        mayKillAnyUser: true,
      });
    const argv = ["python3", "train.py"];

    it("kills the program holding the device, naming it", () => {
      const out = run(proc({ pid: 100, argv, openFiles: GPU }));
      expect(out.entries.map((e) => [e.process.pid, e.facts])).toEqual([
        [
          100,
          [
            "cmdline matches /^python3 train\\.py/",
            "holds /dev/nvidiactl (+1 more)",
            "orphaned (parent 1 systemd)",
          ],
        ],
      ]);
    });

    it("spares the same program not holding it, and says why (code not-holding)", () => {
      const out = run(proc({ pid: 100, argv, openFiles: ["/dev/null"] }));
      expect(out.entries).toEqual([]);
      expect(out.spared).toMatchObject([
        {
          rule: "gpu",
          code: "not-holding",
          reasons: ["holds no open file matching /^/dev/nvidia/ (1 open fds)"],
        },
      ]);
    });

    it("spares it when its open files are unknown (fail closed)", () => {
      const out = run(proc({ pid: 100, argv, openFiles: null }));
      expect(out.entries).toEqual([]);
      expect(out.spared[0]).toMatchObject({ code: "not-holding" });
    });

    it("names the failed condition when fds were not read because a condition failed", () => {
      const out = run(proc({ pid: 100, ppid: 50, argv }));
      expect(out.spared).toMatchObject([
        { code: "parent-alive", reasons: ["parent alive (parent 50)"] },
      ]);
    });

    it("does not list another program at all", () => {
      const out = run(proc({ pid: 100, argv: ["bash"], openFiles: GPU }));
      expect(out).toMatchObject({ entries: [], spared: [] });
    });
  });

  describe("rules file", () => {
    const rule = (match: string) =>
      `rules:\n  - name: r\n    action: kill\n    match:\n${match
        .split("\n")
        .map((l) => `      ${l}`)
        .join("\n")}\n`;

    it("is not enough for a kill rule alone", () => {
      expect(problems(rule("holds: '^/dev/nvidia'"))).toEqual([
        "rules.yaml:5:14 rules[0].match.holds: an open file says what a process holds, not which program it is, so a kill rule needs more (got '^/dev/nvidia', expected also one of cmdline, comm, exe, user, parent, cgroup, unit)",
      ]);
    });

    it("nor with a port: both say what they say instead of the program", () => {
      expect(problems(rule("listening_port: 80\nholds: '^/dev/nvidia'"))).toEqual([
        "rules.yaml:5:23 rules[0].match.listening_port: a port says where a process listens and an open file says what a process holds, not which program it is, so a kill rule needs more (got 80, expected also one of cmdline, comm, exe, user, parent, cgroup, unit)",
      ]);
    });

    it("is accepted with a program, and alone in an alert rule or a protect entry", () => {
      expect(problems(rule("cmdline: train\nholds: '^/dev/nvidia'"))).toEqual([]);
      expect(
        problems(
          "rules:\n  - name: r\n    action: alert\n    match: { holds: '^/dev/nvidia', orphaned: true }\n",
        ),
      ).toEqual([]);
      expect(problems("protect:\n  - holds: '^/dev/nvidia'\nrules: []\n")).toEqual([]);
    });

    it.each([
      [
        "cmdline: x\nholds: '(a'",
        "rules.yaml:6:14 rules[0].match.holds: invalid regular expression: missing closing ): `(a` (patterns are matched in linear time, RE2 syntax) (got '(a', expected an RE2 regular expression, e.g. 'multiprocessing\\.spawn')",
      ],
      [
        "cmdline: x\nholds: ['^/dev/nvidia', '(?=x)']",
        "rules.yaml:6:31 rules[0].match.holds[1]: invalid regular expression: lookahead (?= at character 1: lookaround is not supported (patterns are matched in linear time, RE2 syntax) (got '(?=x)', expected an RE2 regular expression, e.g. 'multiprocessing\\.spawn')",
      ],
      [
        "cmdline: x\nholds: []",
        "rules.yaml:6:14 rules[0].match.holds: empty (got a list, expected an RE2 regular expression or a list of them, e.g. '^/dev/nvidia')",
      ],
      [
        "cmdline: x\nholds: 5",
        "rules.yaml:6:14 rules[0].match.holds: wrong type (got 5, expected an RE2 regular expression or a list of them, e.g. '^/dev/nvidia')",
      ],
      [
        "cmdline: x\nholds: ['^/dev/nvidia', '.*']",
        "rules.yaml:6:14 rules[0].match.holds: matches every holds, so it selects nothing in particular (got a list, expected a pattern only the processes to kill carry)",
      ],
    ])("rejects %j with its position and key", (match, message) => {
      expect(problems(rule(match))).toEqual([message]);
    });

    it("suggests holds for a near-miss key", () => {
      expect(problems(rule("cmdline: x\nhold: '^/dev/nvidia'"))[0]).toMatch(
        /rules\[0\]\.match\.hold: unknown key, did you mean 'holds'\?/,
      );
    });
  });
});
