// The parent selector, both halves: an RE2 pattern → match on the parent's command line,
// protect (fail closed: the parent gone or unread), explain.
import { describe, expect, it } from "vitest";
import { parent } from "../../../../src/rules/selectors/parent.js";
import { proc } from "../../../helpers/fixtures.js";
import { judge, selector } from "./harness.js";

const supervisor = proc({ pid: 50, comm: "bash", argv: ["bash", "supervisor.sh"] });
const child = proc({ pid: 100, ppid: 50 });

describe("parent selector", () => {
  it.each([
    ["parent: supervisor", "parent 50 matches /supervisor/"],
    ["parent: '^bash '", "parent 50 matches /^bash /"],
  ])("%s matches a child of `bash supervisor.sh`", (yaml, fact) => {
    const j = judge(selector(yaml), child, [supervisor]);
    expect(j.facts).toEqual([fact]);
    expect(j.protect).toBe("listed in protect[0]");
  });

  it.each([
    ["parent: cron", "parent 50 bash does not match /cron/"],
    ["parent: '^supervisor'", "parent 50 bash does not match /^supervisor/"],
  ])("%s misses a child of `bash supervisor.sh`", (yaml, words) => {
    const j = judge(selector(yaml), child, [supervisor]);
    expect(j).toMatchObject({
      facts: null,
      why: "mismatch",
      words,
      protect: null,
      entry: "no-match",
    });
  });

  it.each([
    ["the parent is gone", [], "parent 50 not found"],
    [
      "the parent's argv was not read",
      [{ ...supervisor, argv: null }],
      "parent 50 bash: its command line was not read",
    ],
  ])("when %s: unknown, protect holds", (_what, others, words) => {
    const j = judge(selector("parent: supervisor"), child, others);
    expect(j).toMatchObject({
      facts: null,
      why: "unknown",
      words,
      protect: "protect[0] cannot be checked (parent unknown)",
      entry: "cannot-check",
    });
  });

  it("needs the parents read in detail, and has no stat-only test", () => {
    expect(parent.needs).toEqual(["wantParentDetail"]);
    expect(parent.beforeDetail).toBeUndefined();
  });
});
