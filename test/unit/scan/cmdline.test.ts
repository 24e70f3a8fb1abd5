import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { displayCommand } from "../../../src/shared/printable.js";
import { ARGV_EXCERPT_CHARS, argvExcerpt, cutMarker } from "../../../src/shared/argv-excerpt.js";
import { CMDLINE_LIMIT_BYTES, readCmdline } from "../../../src/scan/cmdline.js";
import { ProcFixture } from "../../helpers/fixtures.js";

const fixtures: ProcFixture[] = [];
afterEach(() => fixtures.splice(0).forEach((f) => f.cleanup()));

function withCmdline(text: string, stat?: string): ProcFixture {
  const f = new ProcFixture();
  fixtures.push(f);
  f.add({ pid: 4242, ppid: 1, argv: ["x"] });
  writeFileSync(join(f.root, "4242", "cmdline"), text);
  if (stat !== undefined) writeFileSync(join(f.root, "4242", "stat"), stat);
  return f;
}

/** A stat line with all 52 fields; arg_start and arg_end are fields 48 and 49. */
function statWithArgArea(argStart: number, argEnd: number): string {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  fields[45] = String(argStart);
  fields[46] = String(argEnd);
  return `4242 (we) ird) ${fields.join(" ")}\n`;
}

describe("readCmdline: at most CMDLINE_LIMIT_BYTES", () => {
  it("reads a short command line whole, with its exact size", () => {
    const f = withCmdline("python3\0app.py\0");
    expect(readCmdline(f.root, 4242)).toMatchObject({
      argv: ["python3", "app.py"],
      truncated: false,
      bytes: 15,
    });
  });

  it("a command line of exactly the limit is not cut", () => {
    const text = `${"a".repeat(CMDLINE_LIMIT_BYTES - 1)}\0`;
    const read = readCmdline(withCmdline(text).root, 4242);
    expect(read.truncated).toBe(false);
    expect(read.argv[0]).toHaveLength(CMDLINE_LIMIT_BYTES - 1);
  });

  it("cuts a 1 MB command line at 64 KiB, marks it, and takes the size from stat", () => {
    const text = "uvicorn\0".repeat(131_072);
    const f = withCmdline(text, statWithArgArea(1000, 1000 + text.length));
    const read = readCmdline(f.root, 4242);
    expect(CMDLINE_LIMIT_BYTES).toBe(65_536);
    expect(read.truncated).toBe(true);
    expect(read.bytes).toBe(1_048_576);
    expect(read.argv).toHaveLength(65_536 / 8);
    expect(read.argv.every((a) => a === "uvicorn")).toBe(true);
  });

  it("a cut command line whose stat has no argv area has an unknown size", () => {
    const f = withCmdline("b".repeat(200_000));
    const read = readCmdline(f.root, 4242);
    expect(read).toMatchObject({ truncated: true, bytes: null });
    expect(read.argv).toEqual(["b".repeat(CMDLINE_LIMIT_BYTES)]);
  });

  it("throws ENOENT for a vanished process (the scan's isVanished)", () => {
    const f = withCmdline("x\0");
    expect(() => readCmdline(f.root, 999_999)).toThrow(/ENOENT/);
  });
});

describe("argvExcerpt: what a plan, report and audit line carry", () => {
  it("leaves a short argv as it is, unmarked", () => {
    expect(argvExcerpt(["python3", "app.py"])).toEqual({ argv: ["python3", "app.py"] });
  });

  it("cuts a long argv at ARGV_EXCERPT_CHARS (spaces counted) and marks it with its size", () => {
    const argv = Array.from({ length: 1000 }, () => "uvicorn");
    const excerpt = argvExcerpt(argv);
    expect(excerpt.argvTruncated).toBe(true);
    expect(excerpt.argvBytes).toBe(8000);
    // 512 whole "uvicorn"s and their spaces are 4095 characters; the next would not fit.
    expect(excerpt.argv).toEqual(argv.slice(0, 512));
    const long = argvExcerpt(["a", "b".repeat(10_000)]);
    expect(long.argv).toEqual(["a", "b".repeat(ARGV_EXCERPT_CHARS - 2)]);
    expect(long).toMatchObject({ argvTruncated: true, argvBytes: 10_003 });
  });

  it("keeps the read's own cut and size", () => {
    expect(argvExcerpt(["a", "b"], { truncated: true, bytes: 2_000_000 })).toEqual({
      argv: ["a", "b"],
      argvTruncated: true,
      argvBytes: 2_000_000,
    });
    expect(argvExcerpt(["a"], { truncated: true, bytes: null })).toEqual({
      argv: ["a"],
      argvTruncated: true,
    });
  });

  it("marks a cut for a person, keeping the marker within the line's width", () => {
    expect(cutMarker({ argvTruncated: true, argvBytes: 1_048_576 })).toBe("…[cut: 1048576 bytes]");
    expect(cutMarker({})).toBe("");
    const p = { comm: "uvicorn", argv: ["uvicorn", "x".repeat(500)] };
    const shown = displayCommand({ ...p, argvTruncated: true, argvBytes: 1_048_576 }, 100);
    expect(shown).toHaveLength(100);
    expect(shown).toMatch(/^uvicorn x+…\[cut: 1048576 bytes\]$/);
    expect(displayCommand(p, 100)).toBe(`uvicorn ${"x".repeat(91)}…`);
    expect(displayCommand({ comm: "a", argv: ["short"] }, 100)).toBe("short");
    expect(displayCommand(p).length).toBeLessThanOrEqual(ARGV_EXCERPT_CHARS);
  });
});
