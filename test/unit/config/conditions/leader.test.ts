// group_leader and session_leader as the rules file spells them: accepted values, their
// normalised form, and errors with positions and "did you mean".
import { describe, expect, it } from "vitest";
import { ConfigError, formatProblem, type ConfigProblem } from "../../../../src/config/errors.js";
import { parseConfig } from "../../../../src/config/load.js";

const FILE = "rules.yaml";

function rule(...matchLines: string[]): string {
  return ["rules:", "  - name: pool", "    match:", ...matchLines, "    action: kill", ""].join(
    "\n",
  );
}

function problemsOf(text: string): ConfigProblem[] {
  try {
    parseConfig(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("parseConfig accepted the file");
}

describe("group_leader and session_leader", () => {
  it("normalise one standing or a list to a list", () => {
    const config = parseConfig(
      rule(
        "      cmdline: 'worker'",
        "      group_leader: gone",
        "      session_leader: [alive, gone]",
      ),
      FILE,
    );
    expect(config.rules[0]?.conditions).toEqual({
      groupLeader: ["gone"],
      sessionLeader: ["alive", "gone"],
    });
  });

  it("reject `dead` at its position and suggest gone", () => {
    const problems = problemsOf(rule("      cmdline: 'worker'", "      group_leader: dead"));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      line: 5,
      col: 21,
      path: "rules[0].match.group_leader",
      problem: "unknown leader standing 'dead', did you mean 'gone'?",
      got: "dead",
      expected: "self, alive or gone, or a list of them",
    });
    expect(formatProblem(problems[0]!)).toBe(
      "rules.yaml:5:21 rules[0].match.group_leader: unknown leader standing 'dead', did you mean 'gone'? (got dead, expected self, alive or gone, or a list of them)",
    );
  });

  it("suggest by spelling, and name the bad member of a list", () => {
    const [typo] = problemsOf(rule("      cmdline: 'worker'", "      session_leader: slef"));
    expect(typo?.problem).toBe("unknown leader standing 'slef', did you mean 'self'?");
    const [member] = problemsOf(
      rule("      cmdline: 'worker'", "      session_leader: [self, alvie]"),
    );
    expect(member).toMatchObject({
      line: 5,
      path: "rules[0].match.session_leader",
      problem: "unknown leader standing 'alvie', did you mean 'alive'?",
    });
  });

  it("turn a boolean into the standing it most likely meant", () => {
    const [yes] = problemsOf(rule("      cmdline: 'worker'", "      group_leader: true"));
    expect(yes?.problem).toBe("unknown leader standing 'true', did you mean 'self'?");
    const [no] = problemsOf(rule("      cmdline: 'worker'", "      group_leader: false"));
    expect(no?.problem).toBe("unknown leader standing 'false', did you mean '[alive, gone]'?");
  });

  it("reject an empty list and a value with no likely meaning", () => {
    const [empty] = problemsOf(rule("      cmdline: 'worker'", "      group_leader: []"));
    expect(empty?.path).toBe("rules[0].match.group_leader");
    expect(empty).toMatchObject({
      problem: "an empty list",
      expected: "self, alive or gone, or a list of them",
    });
    const [far] = problemsOf(rule("      cmdline: 'worker'", "      group_leader: xyzzyq"));
    expect(far?.problem).toBe("unknown leader standing 'xyzzyq'");
  });

  it("suggest the key for a misspelt one", () => {
    const [p] = problemsOf(rule("      cmdline: 'worker'", "      group_leadr: gone"));
    expect(p?.problem).toBe("unknown key, did you mean 'group_leader'?");
  });
});
