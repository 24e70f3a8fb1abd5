// The bounds on what a rules file may make the loader do (input-limits.ts, load.ts): each a
// positioned ConfigError, never a stack overflow or a hang.
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, formatProblem } from "../../../src/config/errors.js";
import { firstInvalidUtf8, MAX_ALIASES, MAX_DEPTH } from "../../../src/config/input-limits.js";
import { MAX_PROBLEMS } from "../../../src/config/issues.js";
import { loadConfigFile, MAX_CONFIG_BYTES, parseConfig } from "../../../src/config/load.js";

const FILE = "rules.yaml";
const RULE = "rules:\n  - name: r\n    match: { comm: x }\n    action: report\n";

function problems(text: string): string[] {
  try {
    parseConfig(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map(formatProblem);
  }
  throw new Error("accepted");
}

describe("nesting", () => {
  it(`${MAX_DEPTH} levels are read; one more is an error at the first node past the limit`, () => {
    const nested = (levels: number) =>
      `${RULE}protect: ${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}\n`;
    // protect itself is level 2 (the document mapping is 1): the list of lists is a type error.
    expect(problems(nested(MAX_DEPTH))[0]).toMatch(/^rules\.yaml:5:11 protect\[0\]: wrong type/);
    expect(problems(nested(MAX_DEPTH + 1))).toEqual([
      `rules.yaml:5:${10 + MAX_DEPTH - 1} nested too deeply (more than ${MAX_DEPTH} levels of mappings and lists)`,
    ]);
  });

  it("3,000 levels, flow and block, are errors (once a stack overflow: exit 70)", () => {
    expect(problems(`${RULE}protect: ${"[".repeat(3000)}${"]".repeat(3000)}\n`)[0]).toMatch(
      /^rules\.yaml:5:\d+ nested too deeply/,
    );
    expect(problems(`protect:\n  ${"- ".repeat(3000)}x\n${RULE}`)[0]).toMatch(
      /^rules\.yaml:2:257 indented more than 256 columns/,
    );
  });
});

describe("aliases", () => {
  it("a few aliases are fine", () => {
    const config = parseConfig(`protect:\n  - &sshd { comm: sshd }\n  - *sshd\n${RULE}`, FILE);
    expect(config.protect).toHaveLength(2);
  });

  it("a billion laughs is refused at the alias that crosses the bound", () => {
    const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 10; i += 1)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(", ")}]`,
      );
    expect(problems(`${lines.join("\n")}\n${RULE}`)).toEqual([
      "rules.yaml:3:50 aliases expand to more than 1000 nodes (an alias bomb?)",
    ]);
  });

  it(`more than ${MAX_ALIASES} aliases, a self-reference, an unknown anchor`, () => {
    expect(
      problems(
        `x: &x 1\ny: [${Array(MAX_ALIASES + 1)
          .fill("*x")
          .join(", ")}]\n`,
      )[0],
    ).toMatch(new RegExp(`^rules\\.yaml:2:\\d+ more than ${MAX_ALIASES} aliases`));
    expect(problems("rules: &r\n  - *r\n")).toEqual([
      "rules.yaml:2:5 alias *r refers to a node that contains it",
    ]);
    expect(problems("rules:\n  - *none\n")[0]).toMatch(/^rules\.yaml:2:5 /);
  });
});

describe("tags, bytes and counts", () => {
  it("tags other than plain YAML types", () => {
    expect(problems(`${RULE}protect: !!set { a }\n`)).toEqual([
      "rules.yaml:5:16 tag !!set is not allowed: only plain YAML values",
    ]);
    expect(problems(`${RULE}x: !!js/function 'f'\n`)[0]).toMatch(
      /^rules\.yaml:5:4 YAML syntax error: Unresolved tag/,
    );
    expect(parseConfig(`rules: !!seq []\n`, FILE).rules).toEqual([]);
  });

  it("control characters, at their place", () => {
    expect(problems(`${RULE}# a\u0000b\n`)).toEqual([
      'rules.yaml:5:4 control character U+0000 is not allowed in YAML; write it as an escape ("\\x..") inside double quotes',
    ]);
    expect(
      parseConfig(`${RULE.replace("report", '"report"')}\t# tab is fine\r\n`, FILE).rules,
    ).toHaveLength(1);
  });

  it("firstInvalidUtf8 finds bad bytes, overlong forms, surrogates and cut sequences", () => {
    expect(firstInvalidUtf8(Buffer.from("café ✓ 😀"))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xff]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0xaf]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xe2, 0x82]))).toBe(2);
    expect(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
  });

  it(`at most ${MAX_PROBLEMS} problems, then one line for the rest`, () => {
    const all = problems(`rules:\n${"  - {}\n".repeat(200)}`);
    expect(all).toHaveLength(MAX_PROBLEMS + 1);
    expect(all.at(-1)).toMatch(
      /^rules\.yaml:\d+:5 and 500 more problems from here on, not shown \(the first 100 are\)$/,
    );
  });

  it("a long value is quoted only in part", () => {
    expect(
      problems(`rules:\n  - name: r\n    match: { comm: x }\n    action: ${"a".repeat(500)}\n`)[0],
    ).toMatch(/\(got a{120}… \(500 characters\), expected/);
  });
});

describe.runIf(process.geteuid?.() === 0)("loadConfigFile: the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "cleanup-limits-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const problemOf = (path: string, options = {}): string => {
    try {
      loadConfigFile(path, options);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems.map(formatProblem).join("\n");
    }
    throw new Error("accepted");
  };

  it("over the cap: refused before parsing", () => {
    const path = write("big.yaml", `${RULE}${"#".repeat(MAX_CONFIG_BYTES)}`);
    expect(problemOf(path)).toBe(
      `${path}:1:1 cannot read config: too large (${MAX_CONFIG_BYTES + RULE.length} bytes, at most ${MAX_CONFIG_BYTES})`,
    );
  });

  it("invalid UTF-8 at its line and column", () => {
    const path = write(
      "latin1.yaml",
      Buffer.concat([Buffer.from(`${RULE}# caf`), Buffer.from([0xe9, 0x0a])]),
    );
    expect(problemOf(path)).toBe(`${path}:5:6 not UTF-8: byte 0xe9 at offset ${RULE.length + 5}`);
  });

  it("another user's config is refused at 1:1 unless --allow-untrusted-config", () => {
    const path = write("theirs.yaml", RULE);
    chownSync(path, 65534, 65534);
    chmodSync(path, 0o666);
    expect(problemOf(path)).toMatch(
      new RegExp(
        `^${path}:1:1 cannot read config: refused: owned by uid 65534\\b.*mode 0666; .*--allow-untrusted-config reads it anyway$`,
      ),
    );
    expect(loadConfigFile(path, { allowUntrusted: true }).rules).toHaveLength(1);
  });

  it("an untrusted secret file is a problem at its file: key; a missing one is not (until it sends)", () => {
    const secret = write("token", "t0ken\n");
    chownSync(secret, 65534, 65534);
    const sinks = (url: string) =>
      `${RULE}alerts:\n  sinks:\n    - name: hook\n      type: webhook\n      url: { file: ${url} }\n`;
    const path = write("secret.yaml", sinks(secret));
    expect(problemOf(path)).toMatch(
      new RegExp(
        `^${path}:9:20 alerts\\.sinks\\[0\\]\\.url\\.file: secret file ${secret}: refused: owned by uid 65534.*settings\\.trust_paths to accept it$`,
      ),
    );
    const trusted = write(
      "trusted.yaml",
      `${sinks(secret)}settings:\n  trust_paths: [${secret}]\n`,
    );
    expect(loadConfigFile(trusted).settings.trustPaths).toEqual([secret]);
    expect(
      loadConfigFile(write("missing.yaml", sinks(join(dir, "none")))).alerts.sinks,
    ).toHaveLength(1);
  });
});
