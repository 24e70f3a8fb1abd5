// The user selector, both halves: names or uids → match, protect (fail closed), explain.
import { describe, expect, it } from "vitest";
import { user } from "../../../../src/rules/selectors/user.js";
import { proc } from "../../../helpers/fixtures.js";
import { judge, selector } from "./harness.js";

describe("user selector", () => {
  it.each([
    ["user: app", ["app"]],
    ["user: 1000", [1000]],
    ["user: [root, 1000]", ["root", 1000]],
  ])("normalises %s to a list", (yaml, users) => {
    expect(selector(yaml)).toEqual({ user: users });
  });

  it.each([
    ["user: app", { uid: 1000, user: "app" }, "user app"],
    ["user: 1000", { uid: 1000, user: "app" }, "user app"],
    ["user: [root, app]", { uid: 1000, user: "app" }, "user app"],
    // A uid without a name here still matches by number.
    ["user: 1234", { uid: 1234, user: "1234" }, "user 1234"],
  ])("%s matches %o", (yaml, fields, fact) => {
    const j = judge(selector(yaml), proc({ pid: 100, ...fields }));
    expect(j.facts).toEqual([fact]);
    expect(j.protect).toBe("listed in protect[0]");
  });

  it.each([
    ["user: root", { uid: 1000, user: "app" }, "user app is not root"],
    ["user: [0, 1001]", { uid: 1000, user: "app" }, "user app is not 0, 1001"],
    ["user: 1000", { uid: 1001, user: null }, "user 1001 is not 1000"],
  ])("%s misses %o", (yaml, fields, words) => {
    const j = judge(selector(yaml), proc({ pid: 100, ...fields }));
    expect(j).toMatchObject({
      facts: null,
      why: "mismatch",
      words,
      protect: null,
      entry: "no-match",
    });
  });

  it.each([
    // The uid was not read: no match, and protect holds the process (built in).
    [
      "user: root",
      { uid: null, user: null },
      "unknown",
      "not read in detail (cannot check protect)",
    ],
    // A name cannot be compared with a uid that has no name here: the entry might have matched.
    [
      "user: root",
      { uid: 1234, user: "1234" },
      "mismatch",
      "protect[0] cannot be checked (user 1234 has no name here)",
    ],
    [
      "user: [1000, root]",
      { uid: 1234, user: "1234" },
      "mismatch",
      "protect[0] cannot be checked (user 1234 has no name here)",
    ],
  ])("%s with %o: unknown, so protect holds", (yaml, fields, why, protect) => {
    const j = judge(selector(yaml), proc({ pid: 100, ...fields }));
    expect(j).toMatchObject({ facts: null, why, protect });
  });

  it("says a uid that was not read is unknown", () => {
    const j = judge(selector("user: root"), proc({ pid: 100, uid: null, user: null }));
    expect(j.words).toBe("user unknown (not read)");
  });

  it("a uid entry compares numbers: a nameless uid is known", () => {
    const j = judge(selector("user: 1000"), proc({ pid: 100, uid: 1234, user: "1234" }));
    expect(j).toMatchObject({ entry: "no-match", protect: null });
  });

  it("needs the status file (the exact effective uid) and has no stat-only test", () => {
    expect(user.needs).toEqual(["wantStatus"]);
    expect(user.beforeDetail).toBeUndefined();
  });
});
