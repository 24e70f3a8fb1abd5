// The literals every match of a pattern contains (src/config/pattern-literals.ts): what they are
// for the bundled rules' patterns and for each construct, and, on random patterns checked
// against re2js itself, that a text re2js matches always contains one of them.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { compilePattern } from "../../../src/config/pattern.js";
import { requiredLiterals } from "../../../src/config/pattern-literals.js";

const BUNDLED = fileURLToPath(new URL("../../../rules.yaml", import.meta.url));

describe("requiredLiterals", () => {
  it("finds one literal of every alternative of the bundled rules' patterns", () => {
    const sources = [...readFileSync(BUNDLED, "utf8").matchAll(/^ +cmdline: '([^']+)'/gm)].map(
      (m) => m[1]!,
    );
    expect(sources.length).toBeGreaterThanOrEqual(3);
    // "--reload" over "uvicorn": the longer one rules out more command lines.
    expect(requiredLiterals("\\buvicorn\\b.*\\s--reload(\\s|=|$)")).toEqual(["--reload"]);
    expect(requiredLiterals("\\s--inspect(-brk)?(=|\\s|$)")).toEqual(["--inspect"]);
    expect(
      requiredLiterals(
        "\\bgunicorn\\b.*\\s--reload(\\s|$)|\\bmanage\\.py runserver\\b|\\bflask\\b.* run\\b.*\\s--debug\\b|\\b(nodemon|ts-node-dev)\\b|\\bnext dev\\b|\\bvite(\\.js)?( dev| serve)?$",
      ),
    ).toEqual([
      "gunicorn",
      "manage.py runserver",
      "--debug",
      "nodemon",
      "ts-node-dev",
      "next dev",
      "vite",
    ]);
    for (const source of sources) expect(requiredLiterals(source), source).not.toBeNull();
  });

  it("takes a group only when it is not quantified and every alternative has a literal", () => {
    expect(requiredLiterals("(alpha|beta)x")).toEqual(["alpha", "beta"]);
    expect(requiredLiterals("(?:alpha|beta)x")).toEqual(["alpha", "beta"]);
    expect(requiredLiterals("(?P<n>alpha|beta)")).toEqual(["alpha", "beta"]);
    expect(requiredLiterals("(alpha|beta)?x")).toEqual(["x"]);
    expect(requiredLiterals("(alpha|beta)+x")).toEqual(["x"]);
    expect(requiredLiterals("(alpha|)x")).toEqual(["x"]);
    expect(requiredLiterals("(alpha|)")).toBeNull();
  });

  it("leaves out a quantified character and what is not plain text", () => {
    expect(requiredLiterals("abc*de")).toEqual(["ab"]);
    expect(requiredLiterals("ab+c")).toEqual(["a"]);
    expect(requiredLiterals("x{2}yz")).toEqual(["yz"]);
    expect(requiredLiterals("a.b")).toEqual(["a"]);
    expect(requiredLiterals("\\x41bc")).toEqual(["bc"]);
    expect(requiredLiterals("\\x{41}bc")).toEqual(["bc"]);
    expect(requiredLiterals("\\pLbc")).toEqual(["bc"]);
    expect(requiredLiterals("\\101bc")).toEqual(["bc"]);
    // A "]" outside a class is a plain character in RE2.
    expect(requiredLiterals("[[:alpha:]]]x]yz")).toEqual(["]x]yz"]);
    expect(RE2JS.compile("[[:alpha:]]]x]yz").test("q]x]yz")).toBe(true);
    expect(requiredLiterals("[]a]bc")).toEqual(["bc"]);
    expect(requiredLiterals("a\\.py")).toEqual(["a.py"]);
    expect(requiredLiterals("\u{1F600}\u{1F600}x")).toEqual(["\u{1F600}\u{1F600}x"]);
  });

  it("knows nothing where it is not sure: flags, \\Q, a brace, an empty alternative", () => {
    for (const source of ["(?i)abc", "(?s:a.)bc", "\\Qa.b\\E", "a{x", "a|", "|a", "", ".*", "\\C"])
      expect(requiredLiterals(source), source).toBeNull();
  });

  it("on random patterns, whatever re2js matches contains one of the literals", () => {
    let seed = 14;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(items: readonly T[]): T => items[next(items.length)]!;
    const atom = (depth: number): string => {
      switch (next(depth > 2 ? 7 : 9)) {
        case 0:
        case 1:
        case 2:
          return pick(["a", "b", "ab", "ba", "-", "\\.", " "]);
        case 3:
          return pick([".", "\\s", "\\b", "\\w", "\\x61", "\\141", "\\pL", "^", "$"]);
        case 4:
          return pick(["[ab]", "[^a]", "[]a]", "[[:alpha:]]", "[a\\]]"]);
        case 5:
          return `${atom(depth + 1)}${pick(["*", "+", "?", "{2}", "{0,1}", "*?", "{1,}"])}`;
        case 6:
          return `${atom(depth + 1)}${atom(depth + 1)}`;
        default: {
          const inner = Array.from({ length: 1 + next(3) }, () => sequence(depth + 1)).join("|");
          return `${pick(["(", "(?:", "(?P<g>"])}${inner})${pick(["", "", "?", "+", "*"])}`;
        }
      }
    };
    const sequence = (depth: number): string =>
      Array.from({ length: 1 + next(4) }, () => atom(depth)).join("");
    let checked = 0;
    let matched = 0;
    let guarded = 0;
    for (let i = 0; i < 4000; i++) {
      const source = Array.from({ length: 1 + next(2) }, () => sequence(0)).join("|");
      let re: RE2JS;
      try {
        re = RE2JS.compile(source);
      } catch {
        continue;
      }
      const literals = requiredLiterals(source);
      const pattern = compilePattern(source);
      for (let j = 0; j < 25; j++) {
        const text = Array.from({ length: next(10) }, () =>
          pick(["a", "b", "-", ".", " ", "A"]),
        ).join("");
        const matches = re.test(text);
        if (matches) matched += 1;
        if (matches && literals !== null) guarded += 1;
        if (matches && literals !== null)
          expect(
            literals.some((l) => text.includes(l)),
            `/${source}/ on "${text}"`,
          ).toBe(true);
        expect(pattern.test(text), `/${source}/ on "${text}"`).toBe(matches);
      }
      checked += 1;
    }
    expect(checked).toBeGreaterThan(3000);
    expect(matched).toBeGreaterThan(10_000);
    // Matches of patterns that have literals: the case the prefilter could get wrong.
    expect(guarded).toBeGreaterThan(2_000);
  });
});
