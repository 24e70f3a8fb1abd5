import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, formatProblem, type ConfigProblem } from "../../../src/config/errors.js";
import { parseConfig } from "../../../src/config/load.js";
import { compilePattern, patternProblem } from "../../../src/config/pattern.js";

const WHY = "(patterns are matched in linear time, RE2 syntax)";
const BUNDLED = fileURLToPath(new URL("../../../rules.yaml", import.meta.url));

function problems(text: string): ConfigProblem[] {
  try {
    parseConfig(text, "rules.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("parseConfig accepted the config");
}

describe("compilePattern: RE2 semantics", () => {
  it("searches anywhere in the text, like RegExp.test without flags", () => {
    const p = compilePattern("worker\\.py");
    expect(p.source).toBe("worker\\.py");
    expect(p.test("python3 /srv/worker.py --x")).toBe(true);
    expect(p.test("python3 /srv/workerXpy")).toBe(false);
    expect(compilePattern("^/usr/bin/").test("x /usr/bin/y")).toBe(false);
    expect(compilePattern("y$").test("x y")).toBe(true);
  });

  it("keeps \\b and \\w ASCII, as JavaScript without the u flag", () => {
    expect(compilePattern("\\buvicorn\\b").test("/venv/bin/uvicorn app:app")).toBe(true);
    expect(compilePattern("\\buvicorn\\b").test("myuvicorn2")).toBe(false);
    expect(compilePattern("\\bé").test(" é")).toBe(false);
  });

  it("differs from JavaScript where the README says: \\s is ASCII, . matches \\r", () => {
    expect(compilePattern("a\\sb").test("a\u00a0b")).toBe(false);
    expect(compilePattern("a\\sb").test("a\tb")).toBe(true);
    expect(compilePattern("a.b").test("a\rb")).toBe(true);
    expect(compilePattern("a.b").test("a\nb")).toBe(false);
  });

  it("matches (a+)+$ against 40 a's and a ! (a backtracking engine never ends)", () => {
    const p = compilePattern("TOKEN (a+)+$");
    expect(p.test(`TOKEN ${"a".repeat(40)}!`)).toBe(false);
    expect(p.test(`TOKEN ${"a".repeat(40)}`)).toBe(true);
  });

  it("runs the bundled uvicorn rule over 1 MB of repeated tokens (157 s with RegExp)", () => {
    const bundled = readFileSync(BUNDLED, "utf8");
    const source = /cmdline: '(\\buvicorn\\b[^']*)'/.exec(bundled)?.[1];
    expect(source).toBe("\\buvicorn\\b.*\\s--reload(\\s|=|$)");
    const p = compilePattern(source!);
    const argv = "uvicorn ".repeat(128_000);
    expect(p.test(argv)).toBe(false);
    expect(p.test(`${argv}--reload`)).toBe(true);
  });
});

describe("patternProblem: what RE2 cannot express is named, with its place", () => {
  it.each([
    ["x(?=y)", "lookahead (?= at character 2: lookaround is not supported"],
    ["x(?!y)", "lookahead (?! at character 2: lookaround is not supported"],
    ["(?<=y)x", "lookbehind (?<= at character 1: lookaround is not supported"],
    ["(?<!y)x", "lookbehind (?<! at character 1: lookaround is not supported"],
    ["(a)\\1", "backreference \\1 at character 4 is not supported"],
    ["(?<n>a)\\k<n>", "backreference \\k<…> at character 8 is not supported"],
    ["(?>a+)b", "atomic group (?> at character 1 is not supported"],
  ])("%s", (source, problem) => {
    expect(patternProblem(source)).toBe(`${problem} ${WHY}`);
    expect(() => compilePattern(source)).toThrow(problem);
  });

  it("does not take an escaped or bracketed (?= for lookaround", () => {
    expect(patternProblem("\\(?=x")).toBeNull();
    expect(patternProblem("[(?=]x")).toBeNull();
    // Still rejected, but for what RE2 says, not as lookaround.
    expect(patternProblem("[(?=]x(")).toBe(`missing closing ): \`[(?=]x(\` ${WHY}`);
  });

  it("accepts what a JavaScript-written rule usually holds", () => {
    for (const source of [
      " -c from multiprocessing\\.(spawn|forkserver|resource_tracker) import ",
      "\\s--inspect(-brk)?(=|\\s|$)",
      "^/usr/(local/)?bin/python3?\\b",
      "[\\s\\S]*x{2,3}\\d+\\/",
      "(?<name>a)|(?:b)",
    ])
      expect(patternProblem(source)).toBeNull();
  });
});

describe("config load: a pattern RE2 cannot run is a positioned config error", () => {
  it("in a rule's cmdline, a protect entry's exe and a service's parent", () => {
    const found = problems(
      [
        "protect:",
        "  - exe: '(a)\\1'",
        "rules:",
        "  - name: a",
        "    match:",
        "      cmdline: 'TOKEN (?=x)'",
        "    action: report",
        "services:",
        "  - name: web",
        "    match: { comm: web, parent: '(?<!x)y' }",
        "",
      ].join("\n"),
    ).map(formatProblem);
    expect(found).toEqual([
      `rules.yaml:2:10 protect[0].exe: invalid regular expression: backreference \\1 at character 4 is not supported ${WHY} (got '(a)\\1', expected an RE2 regular expression, e.g. 'multiprocessing\\.spawn')`,
      `rules.yaml:6:16 rules[0].match.cmdline: invalid regular expression: lookahead (?= at character 7: lookaround is not supported ${WHY} (got 'TOKEN (?=x)', expected an RE2 regular expression, e.g. 'multiprocessing\\.spawn')`,
      `rules.yaml:10:33 services[0].match.parent: invalid regular expression: lookbehind (?<! at character 1: lookaround is not supported ${WHY} (got '(?<!x)y', expected an RE2 regular expression, e.g. 'multiprocessing\\.spawn')`,
    ]);
  });

  it("accepts (a+)+$: RE2 matches it in linear time", () => {
    const config = parseConfig(
      "rules: [{ name: a, match: { cmdline: 'TOKEN (a+)+$' }, action: report }]\n",
      "rules.yaml",
    );
    expect(config.rules[0]?.selector.cmdline?.test(`TOKEN ${"a".repeat(40)}!`)).toBe(false);
  });
});

describe("compilePattern: plain text patterns answer as RE2 does", () => {
  const texts = [
    "",
    "/opt/app/bin/worker --queue a",
    "x /opt/app/bin/worker ",
    "/opt/app/bin/worker",
    "/opt/app/bin/workers",
    "a.b",
    "axb",
    "price $5",
  ];
  it.each([
    "^/opt/app/bin/worker ",
    "/opt/app/bin/worker$",
    "^/opt/app/bin/worker$",
    "bin/worker",
    "a\\.b",
    "\\$5",
    "^$",
  ])("%s", (source) => {
    const plain = compilePattern(source);
    // The same pattern with an empty group is no longer plain text: RE2 matches it.
    const viaRe2 = compilePattern(`(?:)${source.replace(/^\^/, "^(?:)")}`);
    for (const text of texts) expect(plain.test(text), text).toBe(viaRe2.test(text));
  });

  it("leaves anything else to RE2 (. \\d \\b are not text)", () => {
    expect(compilePattern("a.b").test("axb")).toBe(true);
    expect(compilePattern("a\\.b").test("axb")).toBe(false);
    expect(compilePattern("\\d").test("7")).toBe(true);
    expect(compilePattern("x\\b").test("x y")).toBe(true);
  });
});
