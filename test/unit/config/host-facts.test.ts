// What `cleanup check` says of keys this host cannot serve: each placed at its key, with why and
// what follows (a rule that never acts, a protect entry that protects whatever it cannot check);
// and the host edge that finds out, on fixture paths.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatProblem, type ConfigProblem } from "../../../src/config/errors.js";
import type { HostFacts } from "../../../src/config/host-facts.js";
import { parseConfig } from "../../../src/config/load.js";
import { readHostFacts } from "../../../src/host/host-facts.js";

const FILE = `protect:
  - unit: ssh.service
rules:
  - name: left
    match:
      cmdline: '^/srv/tok-5d2b/worker'
      unit_stopped: true
    action: alert
  - name: by-cgroup
    match: { cgroup: '^/system\\.slice/tok-5d2b', cmdline: tok-5d2b }
    action: report
  - name: plain
    match: { cmdline: tok-5d2b, orphaned: true }
    action: kill
`;

function lacking(facts: HostFacts): string[] {
  const told: ConfigProblem[] = [];
  parseConfig(FILE, "rules.yaml", { hostFacts: { facts, report: (p) => told.push(...p) } });
  return told.map(formatProblem);
}

describe("keys the host cannot serve", () => {
  it("none on a host with cgroups and systemd", () => {
    expect(lacking({ cgroup: null, systemd: null })).toEqual([]);
  });

  it("without systemd: the unit conditions, at their keys", () => {
    expect(lacking({ cgroup: null, systemd: "not booted with systemd" })).toEqual([
      "rules.yaml:7:7 rules[0].match.unit_stopped: not booted with systemd: unit_stopped is unknown for every process here, so this rule never acts",
    ]);
  });

  it("without a cgroup path: every cgroup and unit key, protect entries too", () => {
    expect(lacking({ cgroup: "no cgroup", systemd: null })).toEqual([
      "rules.yaml:2:5 protect[0].unit: no cgroup: unit is unknown for every process here, so this entry protects every process its other keys do not rule out",
      "rules.yaml:7:7 rules[0].match.unit_stopped: no cgroup: unit_stopped is unknown for every process here, so this rule never acts",
      "rules.yaml:10:14 rules[1].match.cgroup: no cgroup: cgroup is unknown for every process here, so this rule never acts",
    ]);
  });

  it("a run's load (no host check asked) never reads the host's facts", () => {
    expect(() => parseConfig(FILE, "rules.yaml")).not.toThrow();
  });
});

describe("readHostFacts", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const fixture = (cgroup: string | null, booted: boolean) => {
    const root = mkdtempSync(join(tmpdir(), "cleanup-host-facts-"));
    dirs.push(root);
    mkdirSync(join(root, "proc", String(process.pid)), { recursive: true });
    if (cgroup !== null) writeFileSync(join(root, "proc", String(process.pid), "cgroup"), cgroup);
    if (booted) mkdirSync(join(root, "run-systemd"));
    return readHostFacts(join(root, "proc"), join(root, "run-systemd"));
  };

  it("a cgroup v2 path and /run/systemd/system: both known", () => {
    const facts = fixture("0::/system.slice/x.service\n", true);
    expect(facts.cgroup).toBeNull();
    // systemctl is what this machine has or not; the boot marker is the fixture's.
    if (facts.systemd !== null) expect(facts.systemd).toBe("systemctl not found");
  });

  it("says why when either is missing", () => {
    const facts = fixture(null, false);
    expect(facts.cgroup).toMatch(/\/cgroup cannot be read$/);
    expect(facts.systemd).toMatch(/^this host was not booted with systemd \(no .*run-systemd\)$/);
    expect(fixture("garbage", true).cgroup).toMatch(
      /cgroup has no cgroup v2 path and no systemd hierarchy$/,
    );
  });
});
