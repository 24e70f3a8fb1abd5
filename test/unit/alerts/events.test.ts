// Threshold events print every limit in the unit it was configured in; the readings a recovery
// uses are there for every measured threshold, under both of its alerts' keys.
import { describe, expect, it } from "vitest";
import { collectEvents, currentReadings } from "../../../src/alerts/events.js";
import type { Thresholds } from "../../../src/config/types.js";
import { evaluateThresholds, limitsText } from "../../../src/host/thresholds.js";
import { host } from "../../helpers/run-report.js";

const THRESHOLDS: Thresholds = {
  memory: { warn: 1, critical: 50 },
  swap: null,
  cpu: null,
  load: { warn: 0.25, critical: 3 },
  disk: { warn: 80, critical: 90, mounts: ["/", "/mnt/nfs"] },
};

const results = () => evaluateThresholds(host(), THRESHOLDS);
const events = () =>
  collectEvents({
    plan: { entries: [], spared: [], refusals: [], inactive: [] },
    results: [],
    thresholds: results(),
  });

describe("threshold events keep the units of their limits", () => {
  it("percent and load per core, in the summary and the details", () => {
    const byKey = new Map(events().map((e) => [e.key, e]));
    expect(byKey.get("threshold:memory")).toMatchObject({
      summary: "memory in use 81.2%: critical (warn 1%, critical 50%)",
      details: ["value 81.2%, warn 1%, critical 50%"],
      reading: "81.2%, critical",
    });
    expect(byKey.get("threshold:load")).toMatchObject({
      summary: "load (1 min) 0.31 per core: warn (warn 0.25 per core, critical 3 per core)",
      details: ["value 0.31 per core, warn 0.25 per core, critical 3 per core"],
      reading: "0.31 per core, warn",
    });
    // Not measured: no value line, and "unknown" is what a recovery will say it was.
    expect(byKey.get("unknown:disk:/mnt/nfs")).toMatchObject({
      details: [],
      reading: "unknown",
    });
    for (const e of events())
      for (const line of e.details) expect(line).not.toMatch(/(warn|critical) \d+(\.\d+)?(,|$)/);
  });

  it("limitsText: each limit with its unit", () => {
    expect(limitsText({ unit: "%", warn: 75, critical: 85 })).toBe("warn 75%, critical 85%");
    expect(limitsText({ unit: "per core", warn: 1.5, critical: 3 })).toBe(
      "warn 1.5 per core, critical 3 per core",
    );
  });
});

describe("currentReadings", () => {
  it("every measured threshold, under its threshold and unknown keys; none for an unmeasured one", () => {
    const readings = currentReadings(results());
    expect(readings.get("threshold:disk:/")).toEqual({
      summary: "disk / space used 21.5%",
      details: ["value 21.5%, warn 80%, critical 90%"],
    });
    expect(readings.get("unknown:disk:/")).toEqual(readings.get("threshold:disk:/"));
    expect(readings.get("threshold:disk-inodes:/")?.summary).toBe("disk / inodes used 3.1%");
    expect(readings.get("threshold:load")?.summary).toBe("load (1 min) 0.31 per core");
    expect(readings.has("threshold:disk:/mnt/nfs")).toBe(false);
    expect(readings.has("unknown:disk:/mnt/nfs")).toBe(false);
  });
});

describe("a process in an alert's details", () => {
  it("names its systemd unit and the unit's state where the run read them", () => {
    const process = {
      pid: 4242,
      startTicks: 1,
      ppid: 1,
      comm: "python3",
      argv: ["/usr/bin/python3", "worker.py"],
      user: "app",
      state: "S",
      ageMs: 3 * 86_400_000,
      rssBytes: 512 * 2 ** 20,
    };
    const alert = (p: typeof process & { unit?: { name: string; state: string } }) =>
      collectEvents({
        plan: {
          entries: [
            { action: "alert", rule: "left", severity: "warning", process: p, facts: ["x"] },
          ],
          spared: [],
          refusals: [],
          inactive: [],
        },
        results: [],
        thresholds: [],
      }).find((e) => e.key === "rule:left")!.details;
    expect(alert(process)).toEqual([
      "pid 4242 (app, age 3d, rss 512MiB) /usr/bin/python3 worker.py",
    ]);
    expect(
      alert({ ...process, unit: { name: "worker.service", state: "inactive (dead)" } }),
    ).toEqual([
      "pid 4242 (app, age 3d, rss 512MiB, in worker.service: inactive (dead)) /usr/bin/python3 worker.py",
    ]);
  });
});
