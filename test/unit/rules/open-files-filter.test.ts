// The staged read of open files (rules/open-files-filter.ts through the scan): on a fixture
// /proc where every process holds the device, only those a `holds` selector could still take
// have their fds read; the count of reads is the count of processes with openFiles set.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { scanNeeds } from "../../../src/rules/detail-filter.js";
import { explainProcesses } from "../../../src/rules/explain.js";
import { plan } from "../../../src/rules/plan.js";
import type { Actor } from "../../../src/rules/plan-types.js";
import { readProcessTable } from "../../../src/scan/read-process-table.js";
import type { Snapshot } from "../../../src/scan/types.js";
import { ProcFixture, config, type FixtureProcess } from "../../helpers/fixtures.js";

const ROOT_RUN: Actor = { uid: 0, mayKillAnyUser: true };
const TRAIN = ["/opt/venv/bin/python3", "train.py", "--token", "tok123"];
// Uptime 1,000,000 s at 100 ticks/s: started at 99,000,000 ticks = 10,000 s old.
const OLD = 99_000_000;
const YOUNG = 99_999_900;

const fixtures: ProcFixture[] = [];
afterEach(() => fixtures.splice(0).forEach((f) => f.cleanup()));

/** Every process but PID 1 holds /dev/nvidia0 (and /dev/null): a read would show it. */
function tree(processes: FixtureProcess[]): ProcFixture {
  const f = new ProcFixture(1_000_000);
  fixtures.push(f);
  f.add({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, startTicks: 1 });
  for (const p of processes) {
    f.add({ comm: "python3", startTicks: OLD, ...p });
    // For a unit condition's cgroup read.
    writeFileSync(join(f.root, String(p.pid), "cgroup"), "0::/system.slice/train.service\n");
    const fd = join(f.root, String(p.pid), "fd");
    mkdirSync(fd);
    symlinkSync("/dev/null", join(fd, "0"));
    symlinkSync("/dev/nvidia0", join(fd, "3"));
  }
  return f;
}

function scan(f: ProcFixture, yaml: string): Snapshot {
  return readProcessTable({
    procRoot: f.root,
    selfPid: 424242,
    now: () => 1_700_000_000_000,
    ...scanNeeds(config(yaml), ROOT_RUN),
  });
}

/** The pids whose fds the scan read. */
function read(snap: Snapshot): number[] {
  return snap.processes
    .filter((p) => p.openFiles !== undefined)
    .map((p) => p.pid)
    .sort((a, b) => a - b);
}

const GPU_RULE = `
rules:
  - name: gpu
    match:
      comm: python3
      cmdline: 'train\\.py --token tok123'
      holds: '^/dev/nvidia'
      orphaned: true
      older_than: 1h
      rss_over: 1MB
    action: kill
    tree: false
`;

describe("open files are read only for processes that pass the cheaper tests", () => {
  // Six processes, each failing one other test of the rule but the first.
  const six: FixtureProcess[] = [
    { pid: 100, ppid: 1, argv: TRAIN, rssPages: 1000 }, // passes everything else
    { pid: 101, ppid: 1, argv: TRAIN, rssPages: 1000, comm: "bash" }, // comm (before detail)
    { pid: 102, ppid: 1, argv: ["python3", "serve.py"], rssPages: 1000 }, // cmdline
    { pid: 103, ppid: 100, argv: TRAIN, rssPages: 1000 }, // orphaned: parent alive
    { pid: 104, ppid: 1, argv: TRAIN, rssPages: 1000, startTicks: YOUNG }, // older_than
    { pid: 105, ppid: 1, argv: TRAIN, rssPages: 10 }, // rss_over
  ];

  it("reads 1 of 6: the one the rule could still take", () => {
    const f = tree(six);
    const snap = scan(f, GPU_RULE);
    expect(read(snap)).toEqual([100]);
    expect(snap.processes.find((p) => p.pid === 100)!.openFiles).toEqual([
      "/dev/null",
      "/dev/nvidia0",
    ]);
  });

  it("the plan kills it naming the device; explain says why the others' fds were not read", () => {
    const f = tree(six);
    const rules = config(GPU_RULE);
    const snap = scan(f, GPU_RULE);
    const out = plan(snap, rules, ROOT_RUN);
    expect(out.entries.map((e) => [e.process.pid, e.facts[2]])).toEqual([
      [100, "holds /dev/nvidia0"],
    ]);
    const { explanations } = explainProcesses(snap, rules, ROOT_RUN, {}, [102, 103]);
    for (const e of explanations) {
      const holds = e!.rules[0]!.selector.find((v) => v.field === "holds");
      expect(holds).toEqual({
        field: "holds",
        matched: false,
        detail: "open files not read: it failed an earlier test",
      });
    }
    // 103 is the program, spared for its live parent: the plan names the condition.
    expect(explanations[1]!.rules[0]).toMatchObject({ outcome: "spared", code: "parent-alive" });
    expect(explanations[0]!.rules[0]).toMatchObject({ outcome: "not-matched" });
  });

  it("reads nothing without a holds selector anywhere", () => {
    const f = tree(six);
    const yaml = `rules: [{ name: r, match: { cmdline: 'tok123', orphaned: true }, action: kill }]`;
    expect(scanNeeds(config(yaml), ROOT_RUN).openFilesFilter).toBeUndefined();
    expect(read(scan(f, yaml))).toEqual([]);
  });

  it("an alert rule of holds and conditions only reads every process passing the conditions", () => {
    const f = tree(six);
    const yaml = `rules: [{ name: r, match: { holds: '^/dev/nvidia', orphaned: true, older_than: 1h }, action: alert }]`;
    expect(read(scan(f, yaml))).toEqual([100, 101, 102, 105]);
  });

  it("with listening_port too: read once the sockets are known, only where the port matched", () => {
    const f = tree([
      { pid: 100, ppid: 1, argv: TRAIN },
      { pid: 101, ppid: 1, argv: TRAIN },
    ]);
    // 127.0.0.1:59579 LISTEN, inode 2162860, held by 100 only.
    mkdirSync(join(f.root, "net"));
    writeFileSync(
      join(f.root, "net", "tcp"),
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
        "   0: 0100007F:E8BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2162860 1 0 100 0 0 10 0\n",
    );
    symlinkSync("socket:[2162860]", join(f.root, "100", "fd", "4"));
    const yaml = `rules: [{ name: r, match: { cmdline: tok123, listening_port: 59579, holds: '^/dev/nvidia' }, action: report }]`;
    const snap = scan(f, yaml);
    expect(read(snap)).toEqual([100]);
    expect(snap.processes.find((p) => p.pid === 100)!.openFiles).toEqual([
      "/dev/null",
      "/dev/nvidia0",
      "socket:[2162860]",
    ]);
    expect(plan(snap, config(yaml), ROOT_RUN).entries[0]!.facts).toEqual([
      "cmdline matches /tok123/",
      "listening on tcp 127.0.0.1:59579",
      "holds /dev/nvidia0",
    ]);
  });

  it("a unit condition (systemd is asked after the scan) is taken to hold", () => {
    const f = tree(six);
    const yaml = `rules: [{ name: r, match: { cmdline: tok123, holds: '^/dev/nvidia', unit_stopped: true, orphaned: true }, action: report }]`;
    expect(read(scan(f, yaml))).toEqual([100, 101, 104, 105]);
  });

  it("a service with holds reads the processes its other selectors match", () => {
    const f = tree(six);
    const yaml = `
services:
  - name: trainer
    match: { cmdline: 'serve\\.py', holds: '^/dev/nvidia' }
rules: []
`;
    expect(read(scan(f, yaml))).toEqual([102]);
  });
});

describe("a protect entry with holds (fail closed)", () => {
  const KILL = `
rules:
  - name: leftovers
    match: { cmdline: 'tok123', orphaned: true }
    action: kill
    tree: TREE
protect:
  - { cmdline: 'keep-me', holds: '^/dev/nvidia' }
`;
  const procs: FixtureProcess[] = [
    { pid: 100, ppid: 1, argv: TRAIN }, // taken by the kill rule
    { pid: 110, ppid: 100, argv: ["python3", "child.py"] }, // its child: taken with tree
    { pid: 111, ppid: 110, argv: ["python3", "grandchild.py"] }, // and its grandchild
    { pid: 103, ppid: 50, argv: TRAIN }, // parent alive (50 is not in the table: not orphaned)
    { pid: 102, ppid: 1, argv: ["python3", "serve.py"] }, // no kill rule takes it
  ];

  it("reads the fds of every process a kill rule would take, whatever the entry's other selectors", () => {
    const f = tree(procs);
    const snap = scan(f, KILL.replace("TREE", "false"));
    expect(read(snap)).toEqual([100]);
    // The entry's cmdline does not match, its holds is known: not protected, killed.
    const out = plan(snap, config(KILL.replace("TREE", "false")), ROOT_RUN);
    expect(out.entries.map((e) => e.process.pid)).toEqual([100]);
  });

  it("with kill.tree, the descendants of those too", () => {
    const f = tree(procs);
    const yaml = KILL.replace("TREE", "true");
    const snap = scan(f, yaml);
    expect(read(snap)).toEqual([100, 110, 111]);
    const out = plan(snap, config(yaml), ROOT_RUN);
    expect(out.entries.map((e) => e.process.pid).sort()).toEqual([100, 110, 111]);
  });

  it("protects a taken process whose open files are unreadable", () => {
    const f = tree(procs);
    // fd as a plain file: the listing fails, as EACCES does for another user's fds.
    const fd = join(f.root, "100", "fd");
    rmSync(fd, { recursive: true });
    writeFileSync(fd, "");
    const yaml = KILL.replace("TREE", "false");
    const snap = scan(f, yaml);
    expect(snap.processes.find((p) => p.pid === 100)!.openFiles).toBeNull();
    const out = plan(snap, config(yaml), ROOT_RUN);
    expect(out.entries).toEqual([]);
    expect(out.spared.find((s) => s.process.pid === 100)).toMatchObject({
      code: "protected",
      reasons: ["protected: protect[0] cannot be checked (open files unreadable)"],
    });
  });

  it("protects a process holding the device that the entry names", () => {
    const f = tree([{ pid: 100, ppid: 1, argv: [...TRAIN, "keep-me"] }]);
    const yaml = KILL.replace("TREE", "false");
    const out = plan(scan(f, yaml), config(yaml), ROOT_RUN);
    expect(out.spared).toMatchObject([
      { process: { pid: 100 }, code: "protected", reasons: ["protected: listed in protect[0]"] },
    ]);
  });
});
