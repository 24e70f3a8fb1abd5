// The literals every match of a pattern contains (src/config/pattern-literals.ts): what they are
// for the bundled rules' patterns and for each construct, and, on random patterns checked
// against re2js itself (texts written to match each), that a text re2js matches always contains
// one of them.
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
    // mulberry32: every bit of its output varies (a power-of-two LCG's low bits repeat soon).
    let state = 14;
    const random = (): number => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const next = (n: number): number => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[next(items.length)]!;
    const times = (min: number, max: number, f: () => string): string =>
      Array.from({ length: min + next(max - min + 1) }, f).join("");
    // A piece of pattern and a way to write text it matches (checked with re2js: an assertion
    // such as \b or ^ may not hold where the piece lands).
    type Piece = { source: string; text: () => string };
    const fixed = (source: string, text: string): Piece => ({ source, text: () => text });
    const anyOf = (source: string, texts: readonly string[]): Piece => ({
      source,
      text: () => pick(texts),
    });
    const leaves: (() => Piece)[] = [
      () => pick([fixed("a", "a"), fixed("b", "b"), fixed("ab", "ab"), fixed("-", "-")]),
      () => pick([fixed(" ", " "), fixed("é", "é"), fixed("\u{1F600}", "\u{1F600}")]),
      () => pick([fixed("\\.", "."), fixed("\\]", "]"), fixed("]", "]"), fixed("\\{", "{")]),
      () => pick([anyOf("\\s", [" ", "\t"]), anyOf("\\w", ["a", "_", "7"]), anyOf("\\d", ["3"])]),
      () => pick([fixed("\\x61", "a"), fixed("\\141", "a"), fixed("\\x{e9}", "é")]),
      () => pick([anyOf("\\pL", ["b", "é"]), anyOf("\\p{L}", ["a"]), anyOf(".", ["a", "-", "é"])]),
      () => pick([fixed("\\b", ""), fixed("^", ""), fixed("$", ""), fixed("\\A", "")]),
      () =>
        pick([
          anyOf("[ab]", ["a", "b"]),
          anyOf("[^a]", ["b", "-"]),
          anyOf("[]a]", ["]", "a"]),
          anyOf("[[:alpha:]]", ["a", "B"]),
          anyOf("[a\\]]", ["a", "]"]),
          anyOf("[a-c-]", ["b", "-"]),
        ]),
      () =>
        // Rarer: one of them makes the whole pattern literal-less.
        next(4) > 0
          ? fixed("ba", "ba")
          : pick([
              anyOf("\\Qa.b\\E", ["a.b"]),
              anyOf("(?i)ab", ["AB", "aB"]),
              anyOf("(?i:b)", ["B"]),
            ]),
    ];
    const quantified = (inner: Piece): Piece => {
      const [q, min, max] = pick([
        ["*", 0, 2],
        ["+", 1, 3],
        ["?", 0, 1],
        ["{2}", 2, 2],
        ["{0,1}", 0, 1],
        ["{1,}", 1, 2],
        ["*?", 0, 2],
        ["??", 0, 1],
        ["{1,2}?", 1, 2],
      ] as const);
      return { source: `${inner.source}${q}`, text: () => times(min, max, inner.text) };
    };
    const piece = (depth: number): Piece => {
      const kind = next(depth > 2 ? 10 : 13);
      if (kind < 9) return leaves[kind]!();
      if (kind === 9) return quantified(piece(depth + 1));
      const branches = Array.from({ length: 1 + next(3) }, () => sequence(depth + 1));
      const group: Piece = {
        source: `${pick(["(", "(?:", "(?P<g>", "(?<h>"])}${branches.map((b) => b.source).join("|")})`,
        text: () => pick(branches).text(),
      };
      return kind === 12 ? quantified(group) : group;
    };
    const sequence = (depth: number): Piece => {
      const parts = Array.from({ length: next(5) }, () => piece(depth));
      return {
        source: parts.map((p) => p.source).join(""),
        text: () => parts.map((p) => p.text()).join(""),
      };
    };
    const noise = (): string => times(0, 3, () => pick(["a", "b", "-", " ", "é", "A", "]"]));

    const sources = new Set<string>();
    let withLiterals = 0;
    let guarded = 0;
    for (let i = 0; i < 6000; i++) {
      const branches = Array.from({ length: 1 + next(2) }, () => sequence(0));
      const source = branches.map((b) => b.source).join("|");
      let re: RE2JS;
      try {
        re = RE2JS.compile(source);
      } catch {
        continue;
      }
      sources.add(source);
      const literals = requiredLiterals(source);
      if (literals !== null) withLiterals += 1;
      const pattern = compilePattern(source);
      for (let j = 0; j < 30; j++) {
        // Mostly text written to match, some plain noise.
        const text = j < 25 ? `${noise()}${pick(branches).text()}${noise()}` : noise();
        const matches = re.test(text);
        if (matches && literals !== null) {
          guarded += 1;
          expect(
            literals.some((l) => text.includes(l)),
            `/${source}/ on "${text}"`,
          ).toBe(true);
        }
        expect(pattern.test(text), `/${source}/ on "${text}"`).toBe(matches);
      }
    }
    expect(sources.size).toBeGreaterThan(3000);
    expect(withLiterals).toBeGreaterThan(1000);
    // Matches of patterns that have literals: the case the prefilter could get wrong.
    expect(guarded).toBeGreaterThan(20_000);
  });

  it("nesting deeper than it reads gives no literal, and re2js decides", () => {
    const deep = `${"(?:".repeat(10_000)}alpha${")".repeat(10_000)}`;
    expect(requiredLiterals(deep)).toBeNull();
    expect(requiredLiterals(`${"(".repeat(100)}alpha${")".repeat(100)}`)).toEqual(["alpha"]);
  });
});
