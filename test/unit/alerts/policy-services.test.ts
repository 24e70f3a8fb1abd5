// policyLookup with services: a service's own for/remind govern the alerts that name it.
import { describe, expect, it } from "vitest";
import { policyLookup } from "../../../src/alerts/policy.js";
import type { AlertPolicy } from "../../../src/config/types.js";

const HOUR = 3_600_000;
const GLOBAL: AlertPolicy = { forRuns: 1, remindMs: null, recovery: true };

describe("policyLookup: services", () => {
  const lookup = policyLookup(
    GLOBAL,
    [{ name: "reload", forRuns: 2, remindMs: HOUR }],
    [
      { name: "worker", forRuns: 3, remindMs: 6 * HOUR },
      { name: "api", forRuns: 4 },
      { name: "reload", remindMs: 24 * HOUR },
    ],
  );

  it("health, pid-file-* and untracked keys take the service's for/remind", () => {
    const worker = { forRuns: 3, remindMs: 6 * HOUR, recovery: true };
    expect(lookup("health:worker")).toEqual(worker);
    expect(lookup("pid-file-stale:worker")).toEqual(worker);
    expect(lookup("pid-file-reused:worker")).toEqual(worker);
    expect(lookup("pid-file-invalid:worker")).toEqual(worker);
    expect(lookup("untracked:worker")).toEqual(worker);
  });

  it("what the service leaves out comes from the global policy", () => {
    expect(lookup("health:api")).toEqual({ forRuns: 4, remindMs: null, recovery: true });
  });

  it("rule keys take the rule's, even when a service has the same name", () => {
    const rule = { forRuns: 2, remindMs: HOUR, recovery: true };
    expect(lookup("rule:reload")).toEqual(rule);
    expect(lookup("budget:reload")).toEqual(rule);
    expect(lookup("kill-failed:reload")).toEqual(rule);
    expect(lookup("killed:reload")).toEqual(rule);
    expect(lookup("health:reload")).toEqual({ forRuns: 1, remindMs: 24 * HOUR, recovery: true });
  });

  it("unknown names and other keys take the global policy", () => {
    expect(lookup("health:nope")).toEqual(GLOBAL);
    expect(lookup("untracked:nope")).toEqual(GLOBAL);
    expect(lookup("rule:worker")).toEqual(GLOBAL);
    expect(lookup("threshold:memory")).toEqual(GLOBAL);
    expect(lookup("service:worker")).toEqual(GLOBAL);
  });

  it("without services, service keys take the global policy", () => {
    expect(policyLookup(GLOBAL, [])("health:worker")).toEqual(GLOBAL);
  });
});
