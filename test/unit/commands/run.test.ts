// The run command's --verbose: in the table (so the parser and --help know it), carried only
// when given.
import { describe, expect, it } from "vitest";
import { helpText, parseCommandLine } from "../../../src/commands/table.js";

describe("cleanup --verbose", () => {
  it("parses long and short, and is absent when not given", () => {
    expect(parseCommandLine(["--verbose"])).toMatchObject({ name: "run", verbose: true });
    expect(parseCommandLine(["-n", "-v"])).toMatchObject({ dryRun: true, verbose: true });
    expect(parseCommandLine([])).not.toHaveProperty("verbose");
  });

  it("is a run option only, and --help says what it adds", () => {
    expect(() => parseCommandLine(["status", "--verbose"])).toThrow(/verbose/);
    const help = helpText();
    expect(help).toContain("--verbose");
    expect(help).toMatch(/rules whose `when` does not hold/);
  });
});
