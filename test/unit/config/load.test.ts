import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, formatProblem, type ConfigProblem } from "../../../src/config/errors.js";
import { loadConfigFile, parseConfig } from "../../../src/config/load.js";

const FILE = "rules.yaml";
const DURATION_EXPECTED = "a duration like 90s, 30m, 6h, 1d or 1h30m";
const MATCH_KEYS =
  "one of preset, cmdline, comm, exe, user, parent, listening_port, cgroup, unit, holds, orphaned, group_leader, session_leader, older_than, rss_over, state, unit_stopped, unit_main_tree";

/** One YAML line per argument, so line N of the file is argument N. */
function yaml(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/** The problems of the ConfigError that parseConfig must throw. */
function problemsOf(text: string): ConfigProblem[] {
  let thrown: unknown;
  try {
    parseConfig(text, FILE);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  const error = thrown as ConfigError;
  expect(error.file).toBe(FILE);
  expect(error.problems.length).toBeGreaterThan(0);
  return error.problems;
}

/** The single problem of a config with exactly one thing wrong. */
function onlyProblem(text: string): ConfigProblem {
  const problems = problemsOf(text);
  expect(problems.map(formatProblem)).toHaveLength(1);
  return problems[0] as ConfigProblem;
}

describe("parseConfig: YAML syntax errors", () => {
  it("reports a mis-indented key at its line", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      comm: x",
        "     action: kill", // one space short of `match`'s column
      ),
    );
    expect(p).toMatchObject({ file: FILE, line: 5, col: 1, path: "" });
    expect(p.problem).toMatch(/^YAML syntax error: /);
    expect(p.problem).toContain("same column");
    expect(formatProblem(p)).toBe(
      "rules.yaml:5:1 YAML syntax error: All mapping items must start at the same column",
    );
  });

  it("reports an unclosed flow sequence where the block resumes", () => {
    const p = onlyProblem(
      yaml("rules:", "  - name: a", "    match:", "      comm: [a, b", "    action: report"),
    );
    expect(p).toMatchObject({ line: 5, col: 5, path: "" });
    expect(p.problem).toMatch(/^YAML syntax error: Flow sequence .* end with a \]$/);
    expect(formatProblem(p)).toMatch(/^rules\.yaml:5:5 YAML syntax error: Flow sequence/);
  });

  it("reports a duplicate key at the second occurrence", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      comm: x",
        "      comm: y",
        "    action: report",
      ),
    );
    expect(p).toMatchObject({ line: 5, col: 7, path: "" });
    expect(formatProblem(p)).toBe("rules.yaml:5:7 YAML syntax error: Map keys must be unique");
  });

  it("reports tab indentation", () => {
    const p = onlyProblem("rules:\n\t- name: a\n");
    expect(p).toMatchObject({ line: 2, col: 1, path: "" });
    expect(p.problem).toBe("YAML syntax error: Tabs are not allowed as indentation");
  });
});

describe("parseConfig: unknown keys", () => {
  it("suggests the near-miss and points at the key", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      comm: x",
        "      older_thn: 1d",
        "    action: report",
      ),
    );
    expect(p).toMatchObject({
      line: 5,
      col: 7,
      path: "rules[0].match.older_thn",
      problem: "unknown key, did you mean 'older_than'?",
      expected: MATCH_KEYS,
    });
    expect(p.got).toBeUndefined();
    expect(formatProblem(p)).toBe(
      `rules.yaml:5:7 rules[0].match.older_thn: unknown key, did you mean 'older_than'? (expected ${MATCH_KEYS})`,
    );
  });

  it("points at the key inside a flow mapping", () => {
    const p = onlyProblem(
      yaml("rules:", "  - name: a", "    match: { comm: x, older_thn: 1d }", "    action: report"),
    );
    expect(p).toMatchObject({
      line: 3,
      col: 23,
      path: "rules[0].match.older_thn",
      problem: "unknown key, did you mean 'older_than'?",
    });
  });

  it("reports `rule:` at the top level as unknown, with `rules` suggested", () => {
    const problems = problemsOf(
      yaml("rule:", "  - name: a", "    match: { comm: x }", "    action: report"),
    );
    expect(problems.map(formatProblem)).toEqual([
      "rules.yaml:1:1 rule: unknown key, did you mean 'rules'? (expected one of version, settings, thresholds, alerts, protect, rules, services, files)",
    ]);
  });

  it("gives no suggestion when nothing is close", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      comm: x",
        "      zzzzzzzz: 1",
        "    action: report",
      ),
    );
    expect(p).toMatchObject({
      line: 5,
      col: 7,
      path: "rules[0].match.zzzzzzzz",
      problem: "unknown key",
    });
    expect(p.problem).not.toContain("did you mean");
    expect(formatProblem(p)).toBe(
      `rules.yaml:5:7 rules[0].match.zzzzzzzz: unknown key (expected ${MATCH_KEYS})`,
    );
  });

  it("suggests a near-miss in settings", () => {
    const p = onlyProblem(
      yaml(
        "settings:",
        "  gracee: 5s",
        "rules:",
        "  - name: a",
        "    match: { comm: x }",
        "    action: report",
      ),
    );
    expect(p).toMatchObject({
      line: 2,
      col: 3,
      path: "settings.gracee",
      problem: "unknown key, did you mean 'grace'?",
    });
  });

  // The YAML key `5` is the number 5; zod reports the object key "5". The position must still be
  // the key's own, not the top of the file.
  it("points at an unknown key that YAML reads as a number", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      comm: x",
        "      5: y",
        "    action: report",
      ),
    );
    expect(p).toMatchObject({ path: "rules[0].match.5", problem: "unknown key" });
    expect({ line: p.line, col: p.col }).toEqual({ line: 5, col: 7 });
  });
});

describe("parseConfig: invalid values", () => {
  it("reports an invalid regex at its value, with the source text", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      cmdline: '(unclosed'",
        "    action: report",
      ),
    );
    expect(p).toMatchObject({
      line: 4,
      col: 16,
      path: "rules[0].match.cmdline",
      got: "'(unclosed'",
    });
    expect(p.problem).toMatch(/^invalid regular expression: missing closing \)/);
    expect(p.expected).toMatch(/^an RE2 regular expression/);
    expect(formatProblem(p)).toMatch(
      /^rules\.yaml:4:16 rules\[0\]\.match\.cmdline: invalid regular expression: .*\(got '\(unclosed', expected an RE2 regular expression/,
    );
  });

  it("reports a negative duration", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      comm: x",
        "      older_than: -5m",
        "    action: report",
      ),
    );
    expect(p).toEqual({
      file: FILE,
      line: 5,
      col: 19,
      path: "rules[0].match.older_than",
      problem: "a duration cannot be negative",
      got: "-5m",
      expected: DURATION_EXPECTED,
    });
    expect(formatProblem(p)).toBe(
      `rules.yaml:5:19 rules[0].match.older_than: a duration cannot be negative (got -5m, expected ${DURATION_EXPECTED})`,
    );
  });

  it("points at a value written on the line after its key", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      comm: x",
        "      older_than:",
        "        -5m",
        "    action: report",
      ),
    );
    expect(p).toMatchObject({ line: 6, col: 9, problem: "a duration cannot be negative" });
  });

  it("reports a duration that is not one", () => {
    const p = onlyProblem(
      yaml(
        "settings:",
        "  grace: soon",
        "rules:",
        "  - name: a",
        "    match: { comm: x }",
        "    action: report",
      ),
    );
    expect(formatProblem(p)).toBe(
      `rules.yaml:2:10 settings.grace: not a duration (got soon, expected ${DURATION_EXPECTED})`,
    );
  });

  it("reports a bare number where a duration is expected", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      comm: x",
        "      older_than: 5",
        "    action: report",
      ),
    );
    expect(p).toMatchObject({
      line: 5,
      col: 19,
      path: "rules[0].match.older_than",
      problem: "wrong type",
      got: "5",
      expected: DURATION_EXPECTED,
    });
  });

  it("reports a string where a boolean is expected", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      comm: x",
        "    action: kill",
        '    tree: "yes"',
      ),
    );
    expect(p).toMatchObject({
      line: 6,
      col: 11,
      path: "rules[0].tree",
      problem: "wrong type",
      got: '"yes"',
    });
    expect(p.expected).toMatch(/^true or false/);
    expect(formatProblem(p)).toBe(
      `rules.yaml:6:11 rules[0].tree: wrong type (got "yes", expected true or false (kill the process's descendants too))`,
    );
  });

  it("reports a mapping where the list of rules is expected", () => {
    const p = onlyProblem(yaml("rules: {}"));
    expect(p).toMatchObject({ line: 1, col: 8, path: "rules", problem: "wrong type" });
    expect(formatProblem(p)).toBe(
      "rules.yaml:1:8 rules: wrong type (got a mapping, expected a list of rules)",
    );
  });

  it("reports max_kills: 0 as too small", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      comm: x",
        "    action: kill",
        "    max_kills: 0",
      ),
    );
    expect(p).toMatchObject({
      line: 6,
      col: 16,
      path: "rules[0].max_kills",
      problem: "too small",
      got: "0",
    });
    expect(p.expected).toMatch(/^at least 1/);
  });

  it("reports an empty rule entry", () => {
    const p = onlyProblem(yaml("rules:", "  -"));
    expect(p).toMatchObject({ line: 2, col: 4, path: "rules[0]", problem: "wrong type" });
    expect(p.got).toBe("an empty value");
    expect(p.expected).toMatch(/^a rule/);
  });

  it("reports an empty file", () => {
    const p = onlyProblem("");
    expect(p).toMatchObject({ line: 1, col: 1, path: "", problem: "wrong type" });
    expect(formatProblem(p)).toBe(
      "rules.yaml:1:1 wrong type (got nothing, expected a mapping with settings, thresholds, alerts, protect, rules, services and files)",
    );
  });
});

describe("parseConfig: unknown enum values", () => {
  it("suggests 'kill' for action: kil", () => {
    const p = onlyProblem(
      yaml("rules:", "  - name: a", "    match:", "      comm: x", "    action: kil"),
    );
    expect(p).toMatchObject({
      line: 5,
      col: 13,
      path: "rules[0].action",
      problem: "unknown action, did you mean 'kill'?",
      got: "kil",
      expected: "kill, alert or report",
    });
    expect(formatProblem(p)).toBe(
      "rules.yaml:5:13 rules[0].action: unknown action, did you mean 'kill'? (got kil, expected kill, alert or report)",
    );
  });

  it("suggests 'SIGTERM' for signal: SIGTREM", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      comm: x",
        "    action: kill",
        "    signal: SIGTREM",
      ),
    );
    expect(p).toMatchObject({
      line: 6,
      col: 13,
      path: "rules[0].signal",
      problem: "unknown signal, did you mean 'SIGTERM'?",
      got: "SIGTREM",
    });
    expect(p.expected).toContain("SIGTERM");
    expect(p.expected).toContain("SIGKILL");
  });

  it("gives no suggestion for an enum value far from every choice", () => {
    const p = onlyProblem(
      yaml("rules:", "  - name: a", "    match:", "      comm: x", "    action: obliterate"),
    );
    expect(p).toMatchObject({ line: 5, col: 13, problem: "unknown action", got: "obliterate" });
  });
});

describe("parseConfig: missing keys", () => {
  // The rule mapping starts at `name`, after "  - ": the best place to point when a key is absent.
  it("reports a rule without action as missing, at the rule", () => {
    const p = onlyProblem(yaml("rules:", "  - name: a", "    match:", "      comm: x"));
    expect(p).toMatchObject({
      line: 2,
      col: 5,
      path: "rules[0].action",
      got: "nothing",
      expected: "kill, alert or report",
    });
    // Nothing was written, so nothing is "unknown": the message must say the key is missing,
    // as it does for every other required key (see the next test).
    expect(p.problem).toBe("missing");
    expect(formatProblem(p)).toBe(
      "rules.yaml:2:5 rules[0].action: missing (got nothing, expected kill, alert or report)",
    );
  });

  it("reports a rule without match as missing, at the rule", () => {
    const p = onlyProblem(yaml("rules:", "  - name: a", "    action: report"));
    expect(p).toMatchObject({
      line: 2,
      col: 5,
      path: "rules[0].match",
      problem: "missing",
      got: "nothing",
    });
    expect(p.expected).toMatch(/^a mapping of matchers/);
  });
});

describe("parseConfig: rule-level checks", () => {
  it("rejects a kill-only key on a report rule", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match:",
        "      comm: x",
        "    action: report",
        "    grace: 5s",
      ),
    );
    expect(p).toMatchObject({
      line: 6,
      col: 12,
      path: "rules[0].grace",
      problem: "only used by kill rules",
      got: "5s",
      expected: "no 'grace' with action report",
    });
    expect(formatProblem(p)).toBe(
      "rules.yaml:6:12 rules[0].grace: only used by kill rules (got 5s, expected no 'grace' with action report)",
    );
  });

  it("rejects a kill rule with conditions only, at its match", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: ok",
        "    match: { comm: x }",
        "    action: report",
        "  - name: dangerous",
        "    match:",
        "      orphaned: true",
        "    action: kill",
      ),
    );
    expect(p).toMatchObject({
      line: 7,
      col: 7,
      path: "rules[1].match",
      problem: "a kill rule needs a selector",
      got: "a mapping",
      expected:
        "at least one of cmdline, comm, exe, user, parent, listening_port, cgroup, unit, holds",
    });
  });

  it("rejects duplicate rule names at the second name", () => {
    const p = onlyProblem(
      yaml(
        "rules:",
        "  - name: a",
        "    match: { comm: x }",
        "    action: report",
        "  - name: a",
        "    match: { comm: y }",
        "    action: report",
      ),
    );
    expect(p).toMatchObject({ line: 5, col: 11, path: "rules[1].name", got: "a" });
    expect(p.problem).toBe("duplicate rule name (first used by rules[0])");
    expect(formatProblem(p)).toBe(
      "rules.yaml:5:11 rules[1].name: duplicate rule name (first used by rules[0]) (got a, expected a unique name)",
    );
  });
});

describe("parseConfig: several problems", () => {
  it("reports every problem in one ConfigError, sorted by line", () => {
    const text = yaml(
      "rules:", // 1
      "  - name: b", // 2
      "    match:", // 3
      "      cmdline: '(x'", // 4
      "    action: kil", // 5
      "  - name: a", // 6
      "    match:", // 7
      "      comm: x", // 8
      "      older_thn: 1d", // 9
      "    action: report", // 10
      "settings:", // 11
      "  grace: soon", // 12
    );
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.line, p.col, p.path])).toEqual([
      [4, 16, "rules[0].match.cmdline"],
      [5, 13, "rules[0].action"],
      [9, 7, "rules[1].match.older_thn"],
      [12, 10, "settings.grace"],
    ]);
    let message = "";
    try {
      parseConfig(text, FILE);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split("\n")).toEqual(["rules.yaml: 4 problems", ...problems.map(formatProblem)]);
  });

  it("reports schema errors and rule-level checks together", () => {
    const problems = problemsOf(
      yaml(
        "rules:", // 1
        "  - name: a", // 2
        "    match:", // 3
        "      orphaned: true", // 4
        "    action: kill", // 5
        "  - name: a", // 6
        "    match:", // 7
        "      comm: x", // 8
        "      older_thn: 1d", // 9
        "    action: report", // 10
      ),
    );
    expect(problems.map((p) => [p.line, p.path, p.problem])).toEqual([
      [4, "rules[0].match", "a kill rule needs a selector"],
      [6, "rules[1].name", "duplicate rule name (first used by rules[0])"],
      [9, "rules[1].match.older_thn", "unknown key, did you mean 'older_than'?"],
    ]);
  });

  // Copy a rule, forget to rename it, mistype a value: `cleanup check` must list both.
  it("reports a duplicate rule name even when another rule has a bad value", () => {
    const problems = problemsOf(
      yaml(
        "rules:", // 1
        "  - name: a", // 2
        "    match: { comm: x }", // 3
        "    action: report", // 4
        "  - name: a", // 5
        "    match: { comm: y }", // 6
        "    action: kil", // 7
      ),
    );
    expect(problems.map((p) => [p.line, p.col, p.path])).toEqual([
      [5, 11, "rules[1].name"],
      [7, 13, "rules[1].action"],
    ]);
  });

  it("reports a kill-only key even when the same rule has another bad value", () => {
    const problems = problemsOf(
      yaml(
        "rules:", // 1
        "  - name: a", // 2
        "    match: { comm: x }", // 3
        "    action: report", // 4
        "    grace: 5s", // 5
        "    severity: hi", // 6
      ),
    );
    expect(problems.map((p) => [p.line, p.col, p.path])).toEqual([
      [5, 12, "rules[0].grace"],
      [6, 15, "rules[0].severity"],
    ]);
  });
});

describe("parseConfig: a valid config", () => {
  const text = yaml(
    "version: 1",
    "settings:",
    "  grace: 30s",
    "  max_kills_per_rule: 7",
    "  max_kills_per_run: 9",
    "protect:",
    "  - comm: sshd",
    "rules:",
    "  - name: workers",
    "    match:",
    "      cmdline: 'worker\\.py'",
    "      comm: [python3, python]",
    "      user: [www-data, 1000]",
    "      orphaned: true",
    "      older_than: 1h30m",
    "      rss_over: 2GiB",
    "      state: S",
    "    action: kill",
    "  - name: off",
    "    enabled: false",
    "    match: { comm: x }",
    "    action: report",
    "  - name: custom",
    "    match: { exe: '^/opt/', parent: 'cron' }",
    "    action: kill",
    "    signal: SIGINT",
    "    grace: 2s",
    "    tree: false",
    "    max_kills: 3",
    "  - name: big",
    "    match: { rss_over: 500MB }",
    "    action: report",
  );

  it("normalises units, regexes, lists and defaults", () => {
    const config = parseConfig(text, FILE);
    expect(config.file).toBe(FILE);
    expect(config.settings).toMatchObject({
      graceMs: 30_000,
      maxKillsPerRule: 7,
      maxKillsPerRun: 9,
      pid1AdoptsOrphans: true,
    });
    expect(config.settings.reapers).toContain("systemd");
    expect(config.protect).toEqual([{ comm: ["sshd"] }]);

    expect(config.rules.map((r) => r.name)).toEqual(["workers", "custom", "big"]);
    const [workers, custom, big] = config.rules;

    expect(workers?.index).toBe(0);
    expect(workers?.selector.cmdline?.source).toBe("worker\\.py");
    expect(workers?.selector.cmdline?.test("python3 /srv/worker.py")).toBe(true);
    expect(workers?.selector.cmdline?.test("python3 /srv/workerXpy")).toBe(false);
    expect(workers?.selector.comm).toEqual(["python3", "python"]);
    expect(workers?.selector.user).toEqual(["www-data", 1000]);
    expect(workers?.conditions).toMatchObject({
      orphaned: true,
      olderThanMs: 5_400_000,
      rssOver: { bytes: 2 * 2 ** 30, text: "2GiB" },
      state: ["S"],
    });
    expect(workers?.action).toBe("kill");
    expect(workers?.severity).toBe("warning");
    expect(workers?.kill).toEqual({ signal: "SIGTERM", tree: true, graceMs: 30_000, maxKills: 7 });

    // The disabled rule is dropped, but indexes stay those of the file.
    expect(custom?.index).toBe(2);
    expect(custom?.selector.exe?.test("/opt/app/bin/run")).toBe(true);
    expect(custom?.selector.parent?.source).toBe("cron");
    expect(custom?.kill).toEqual({ signal: "SIGINT", tree: false, graceMs: 2_000, maxKills: 3 });

    expect(big).toMatchObject({ index: 3, action: "report", severity: "info" });
    expect(big?.conditions.rssOver?.bytes).toBe(500e6);
    expect(big?.kill).toBeUndefined();
  });

  it("uses the built-in defaults without settings", () => {
    const config = parseConfig(
      yaml("rules:", "  - name: a", "    match: { comm: x }", "    action: kill"),
      FILE,
    );
    expect(config.settings).toMatchObject({
      graceMs: 10_000,
      maxKillsPerRule: 20,
      maxKillsPerRun: 100,
    });
    expect(config.protect).toEqual([]);
    expect(config.rules[0]?.kill).toEqual({
      signal: "SIGTERM",
      tree: true,
      graceMs: 10_000,
      maxKills: 20,
    });
  });
});

describe("loadConfigFile", () => {
  it("reports a missing file as a ConfigError", () => {
    const path = "/nonexistent/cleanup-test/rules.yaml";
    expect(() => loadConfigFile(path)).toThrow(ConfigError);
    try {
      loadConfigFile(path);
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        { file: path, line: 1, col: 1, path: "", problem: "cannot read config: file not found" },
      ]);
    }
  });
});

describe("the bundled rules.yaml", () => {
  const path = fileURLToPath(new URL("../../../rules.yaml", import.meta.url));
  const config = loadConfigFile(path);
  const rule = (name: string) => {
    const found = config.rules.find((r) => r.name === name);
    expect(found, `rule ${name}`).toBeDefined();
    return found!;
  };

  it("parses, with the absolute file path", () => {
    expect(config.file).toBe(path);
    expect(config.rules.length).toBeGreaterThanOrEqual(2);
  });

  describe("orphaned-multiprocessing", () => {
    it("is a kill rule on old orphans", () => {
      const r = rule("orphaned-multiprocessing");
      expect(r.action).toBe("kill");
      expect(r.conditions.orphaned).toBe(true);
      expect(r.kill).toBeDefined();
    });

    it.each([
      "/usr/bin/python3 -B -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7) --multiprocessing-fork",
      "/usr/bin/python3 -B -c from multiprocessing.resource_tracker import main;main(5)",
      "/usr/bin/python3 -c from multiprocessing.forkserver import main; main(8, 9, ['__main__'], **{'sys_path': []})",
    ])("matches %s", (cmdline) => {
      expect(rule("orphaned-multiprocessing").selector.cmdline?.test(cmdline)).toBe(true);
    });

    it.each([
      "python3 app.py --workers 4",
      "python3 -m multiprocessing_helper",
      "python3 -c import multiprocessing; print(1)",
      "/usr/bin/python3 /srv/app/main.py",
    ])("does not match %s", (cmdline) => {
      expect(rule("orphaned-multiprocessing").selector.cmdline?.test(cmdline)).toBe(false);
    });
  });

  describe("uvicorn-reload", () => {
    it("is an alert rule", () => {
      expect(rule("uvicorn-reload").action).toBe("alert");
      expect(rule("uvicorn-reload").kill).toBeUndefined();
    });

    it("matches uvicorn started with --reload", () => {
      expect(
        rule("uvicorn-reload").selector.cmdline?.test(
          "/srv/app/.venv/bin/python /srv/app/.venv/bin/uvicorn app:api --host 0.0.0.0 --reload",
        ),
      ).toBe(true);
    });

    it.each(["uvicorn app:api --host 0.0.0.0", "python3 -m http.server --directory reload"])(
      "does not match %s",
      (cmdline) => {
        expect(rule("uvicorn-reload").selector.cmdline?.test(cmdline)).toBe(false);
      },
    );
  });
});

describe("review: selectors that select everything", () => {
  it("a kill rule's regex that matches every command line is an error", () => {
    const problems = problemsOf(
      yaml(
        "rules:",
        "  - name: a",
        "    match: { cmdline: '.*', orphaned: true }",
        "    action: kill",
      ),
    );
    expect(problems.map((p) => [p.path, p.problem])).toEqual([
      ["rules[0].match.cmdline", "matches every cmdline, so it selects nothing in particular"],
    ]);
    // An alert or report rule may match everything.
    expect(() =>
      parseConfig(
        yaml("rules:", "  - name: a", "    match: { cmdline: '' }", "    action: report"),
        FILE,
      ),
    ).not.toThrow();
  });

  it("an empty protect entry is an error, not 'protect everything'", () => {
    const [p] = problemsOf(yaml("protect:", "  - {}", "rules: []"));
    expect(p).toMatchObject({ path: "protect[0]", line: 2 });
    expect(p!.problem).toMatch(/^empty: it would protect every process/);
  });
});

describe("review: rules that could never apply", () => {
  it("a comm longer than 15 characters, and `when` on a resource without a threshold, are errors", () => {
    const problems = problemsOf(
      yaml(
        "rules:",
        "  - name: a",
        "    when: { swap: warn }",
        "    match: { comm: containerd-shim-runc-v2 }",
        "    action: report",
      ),
    );
    expect(problems.map((p) => [p.path, p.problem.split(";")[0]])).toEqual([
      ["rules[0].when.swap", "no swap threshold is set, so this rule would never apply"],
      [
        "rules[0].match.comm",
        "'containerd-shim-runc-v2' is longer than 15 characters and can never match (the kernel cuts comm)",
      ],
    ]);
    expect(() =>
      parseConfig(
        yaml(
          "thresholds: { swap: { warn: 50%, critical: 80% } }",
          "rules:",
          "  - name: a",
          "    when: { swap: warn, memory: critical }",
          "    match: { comm: x }",
          "    action: report",
        ),
        FILE,
      ),
    ).not.toThrow();
  });
});
