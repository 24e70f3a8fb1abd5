// The cgroup and unit selectors, both halves: the rules file's text (bad regexes and unit names
// refused with file, line, key and value), the match on the scanned cgroup path, protect (fail
// closed when the cgroup is unreadable or was not read) and explain's words.
import { describe, expect, it } from "vitest";
import { proc } from "../../../helpers/fixtures.js";
import { judge, problems, selector } from "./harness.js";

const SERVICE = "/system.slice/tok-7c1e-worker.service";
const USER_UNIT = "/user.slice/user-1000.slice/user@1000.service/app.slice/tok-7c1e-app.service";

describe("cgroup selector", () => {
  it("matches the path, and protect holds it", () => {
    const j = judge(
      selector("cgroup: '^/system\\.slice/tok-7c1e-'"),
      proc({ pid: 100, cgroup: SERVICE }),
    );
    expect(j.facts).toHaveLength(1);
    expect(j.facts![0]).toContain(SERVICE);
    expect(j.protect).toBe("listed in protect[0]");
  });

  it("misses another path; an unreadable cgroup is unknown and protect holds it", () => {
    const sel = selector("cgroup: '^/system\\.slice/tok-7c1e-'");
    expect(judge(sel, proc({ pid: 100, cgroup: "/init.scope" }))).toMatchObject({
      why: "mismatch",
      protect: null,
    });
    const unknown = judge(sel, proc({ pid: 100, cgroup: null }));
    expect(unknown).toMatchObject({ facts: null, why: "unknown" });
    expect(unknown.protect).toMatch(/^protect\[0\] cannot be checked/);
  });

  it("refuses a bad regex with the file, line, key and value", () => {
    const found = problems(
      "rules:\n  - name: r\n    action: alert\n    match: { cgroup: '^/system.slice/(worker' }\n",
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^rules\.yaml:4:22 rules\[0\]\.match\.cgroup: /);
    expect(found[0]).toContain("(worker");
  });

  it("refuses a list that is empty or not of strings", () => {
    expect(problems("protect:\n  - cgroup: []\nrules: []\n")[0]).toMatch(
      /^rules\.yaml:2:13 protect\[0\]\.cgroup: /,
    );
    expect(problems("protect:\n  - cgroup: 7\nrules: []\n")[0]).toContain(
      "expected an RE2 regex or a list of them",
    );
  });
});

describe("unit selector", () => {
  it("matches the unit by glob, and an enclosing manager's unit", () => {
    expect(
      judge(selector("unit: 'tok-7c1e-*.service'"), proc({ pid: 100, cgroup: SERVICE })).facts,
    ).toHaveLength(1);
    expect(
      judge(selector("unit: user@1000.service"), proc({ pid: 100, cgroup: USER_UNIT })).facts,
    ).toHaveLength(1);
    expect(
      judge(selector("unit: 'tok-7c1e-app.service'"), proc({ pid: 100, cgroup: USER_UNIT })).facts,
    ).toHaveLength(1);
  });

  it("misses a process in no unit or another; unknown when the cgroup is unreadable", () => {
    const sel = selector("unit: 'tok-7c1e-*.service'");
    expect(judge(sel, proc({ pid: 100, cgroup: "/" })).why).toBe("mismatch");
    expect(judge(sel, proc({ pid: 100, cgroup: "/system.slice/cron.service" })).why).toBe(
      "mismatch",
    );
    const unknown = judge(sel, proc({ pid: 100, cgroup: null }));
    expect(unknown.why).toBe("unknown");
    expect(unknown.protect).toMatch(/^protect\[0\] cannot be checked/);
  });

  it.each([
    ["'/system.slice/x.service'", "contains '/', which no unit name does"],
    ["worker", "'worker' is neither a .service nor a .scope, so no process is in it"],
    ["'worker[.service'", "'worker[.service'"],
  ])("refuses unit: %s with the key and why", (value, why) => {
    const found = problems(`protect:\n  - unit: ${value}\nrules: []\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^rules\.yaml:2:11 protect\[0\]\.unit: /);
    expect(found[0]).toContain(why);
  });
});
