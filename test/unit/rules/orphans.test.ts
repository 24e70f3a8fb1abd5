// Subreapers by evidence, not by name: judgeReaper on plain data, and the scan + plan on fixture
// /proc trees whose candidates' exe links point at real files of this machine.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { scanNeeds } from "../../../src/rules/detail-filter.js";
import { judgeReaper } from "../../../src/rules/orphans.js";
import { plan } from "../../../src/rules/plan.js";
import type { Actor } from "../../../src/rules/plan-types.js";
import { parseNamespaceInit } from "../../../src/scan/reaper-evidence.js";
import { readProcessTable } from "../../../src/scan/read-process-table.js";
import type { ReaperEvidence } from "../../../src/scan/types.js";
import { ProcFixture, config } from "../../helpers/fixtures.js";

const ROOT: Actor = { uid: 0, mayKillAnyUser: true };
const TINI: ReaperEvidence = {
  exe: "/usr/bin/tini",
  exeUid: 0,
  exeMode: 0o100755,
  sameMountNamespace: true,
  namespaceInit: false,
};

describe("judgeReaper", () => {
  it("a root-owned, not writable binary in a system directory whose name starts with the comm", () => {
    expect(judgeReaper("tini", TINI)).toEqual({ reaper: true, why: "/usr/bin/tini, root-owned" });
    // comm is cut to 15 characters.
    expect(
      judgeReaper("containerd-shim", {
        ...TINI,
        exe: "/usr/local/bin/containerd-shim-runc-v2",
      }).reaper,
    ).toBe(true);
    expect(judgeReaper("systemd", { ...TINI, exe: "/lib/systemd/systemd" }).reaper).toBe(true);
    expect(judgeReaper("tini", { ...TINI, exe: "/usr/bin/tini (deleted)" }).reaper).toBe(true);
  });

  it("the init of a pid namespace, whatever its executable", () => {
    expect(judgeReaper("tini", { ...TINI, exe: null, namespaceInit: true })).toEqual({
      reaper: true,
      why: "init of its own pid namespace",
    });
  });

  it("anything less is not a reaper, and says why", () => {
    const no = (e: Partial<ReaperEvidence>) => judgeReaper("tini", { ...TINI, ...e });
    expect(no({ exe: "/usr/bin/python3.11" })).toEqual({
      reaper: false,
      why: "not a reaper — /usr/bin/python3.11 is not tini",
    });
    expect(no({ exe: "/home/mallory/tini" }).why).toBe(
      "not a reaper — /home/mallory/tini is not in a system directory",
    );
    expect(no({ exe: "/opt/tini" }).why).toContain("not in a system directory");
    expect(no({ exeUid: 1000 }).why).toBe(
      "not a reaper — /usr/bin/tini is owned by uid 1000, not root",
    );
    expect(no({ exeMode: 0o100775 }).why).toBe(
      "not a reaper — /usr/bin/tini is writable by others (mode 775)",
    );
    expect(no({ sameMountNamespace: false }).why).toContain("in another mount namespace");
    expect(no({ exe: null }).why).toBe("not a reaper — its executable is unreadable");
    expect(no({ exeUid: null, exeMode: null }).why).toContain("cannot be examined");
    expect(judgeReaper("tini", undefined).reaper).toBe(false);
  });

  it("reads the namespace init from NSpid", () => {
    expect(parseNamespaceInit("Name:\ttini\nNSpid:\t812\t1\nNSsid:\t0\n")).toBe(true);
    expect(parseNamespaceInit("Name:\tx\nNSpid:\t812\t7\n")).toBe(false);
    // PID 1 of the agent's own namespace is PID 1, not a nested init.
    expect(parseNamespaceInit("Name:\tx\nNSpid:\t1\n")).toBe(false);
    expect(parseNamespaceInit("Name:\tx\n")).toBeNull();
  });
});

const fixtures: ProcFixture[] = [];
afterEach(() => fixtures.splice(0).forEach((f) => f.cleanup()));

// `env` and `sleep` stand in for reapers: root-owned binaries in /usr/bin on every test machine.
const RULES = config(`
settings: { reapers: [env, sleep, tini] }
rules:
  - name: orphans
    match: { cmdline: '^worker-token-7f3a', orphaned: true }
    action: kill
`);

function scanAndPlan(f: ProcFixture) {
  const snap = readProcessTable({
    procRoot: f.root,
    selfPid: 424242,
    now: () => 1_700_000_000_000,
    ...scanNeeds(RULES, ROOT),
  });
  return { snap, plan: plan(snap, RULES, ROOT) };
}

describe("reapers on a fixture /proc", () => {
  it("children of a real root-owned binary and of a pid namespace's init are orphans; of an impostor, not", () => {
    const f = new ProcFixture();
    fixtures.push(f);
    const fake = join(f.root, "tini");
    writeFileSync(fake, "");
    chmodSync(fake, 0o755);
    f.add({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, startTicks: 1 })
      // A real system binary whose name starts with its comm.
      .add({ pid: 10, ppid: 1, comm: "env", argv: ["env"], uid: 0, exe: "/usr/bin/env" })
      // The init of a container's pid namespace; its exe is not visible from here.
      .add({ pid: 20, ppid: 1, comm: "tini", argv: ["tini"], exe: "/dev/init", nsPid: [20, 1] })
      // Named tini, running python.
      .add({ pid: 30, ppid: 1, comm: "tini", argv: ["python3"], exe: "/usr/bin/env" })
      // Named tini, a copy outside the system directories.
      .add({ pid: 40, ppid: 1, comm: "tini", argv: ["tini"], uid: 0, exe: fake })
      // Named sleep, with no readable exe at all.
      .add({ pid: 50, ppid: 1, comm: "sleep", argv: ["sleep"] });
    for (const parent of [10, 20, 30, 40, 50])
      f.add({ pid: parent + 1, ppid: parent, comm: "w", argv: [`worker-token-7f3a-${parent}`] });

    const { snap, plan: result } = scanAndPlan(f);
    expect(result.entries.map((e) => [e.process.pid, e.facts[1]])).toEqual([
      [11, "orphaned (parent 10 env: /usr/bin/env, root-owned)"],
      [21, "orphaned (parent 20 tini: init of its own pid namespace)"],
    ]);
    expect(Object.fromEntries(result.spared.map((s) => [s.process.pid, s.reasons[0]]))).toEqual({
      31: "parent alive (parent 30 tini: not a reaper — /usr/bin/env is not tini)",
      41: `parent alive (parent 40 tini: not a reaper — ${fake} is not in a system directory)`,
      51: "parent alive (parent 50 sleep: not a reaper — its executable is unreadable)",
    });
    // Evidence is read for the candidates only (their comm is in settings.reapers).
    const read = snap.processes.filter((p) => p.reaperEvidence).map((p) => p.pid);
    expect(read.sort((a, b) => a - b)).toEqual([10, 20, 30, 40, 50]);
  });
});
