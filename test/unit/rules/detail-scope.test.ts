// The scan's detail scope (rules/detail-filter.ts): a live run ("act") reads the command line only
// of processes whose stat facts pass some rule's stat-only conditions; a dry run ("explain") also
// of every process a rule's selector could take, to say why it spared it. On fixture /proc trees:
// the count of detail reads is the count of processes with argv read.
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { scanNeeds, type DetailScope } from "../../../src/rules/detail-filter.js";
import { plan } from "../../../src/rules/plan.js";
import type { Actor, Plan } from "../../../src/rules/plan-types.js";
import { readProcessTable } from "../../../src/scan/read-process-table.js";
import type { Snapshot } from "../../../src/scan/types.js";
import { renderText } from "../../../src/report/text.js";
import { ProcFixture, config } from "../../helpers/fixtures.js";
import { liveReport } from "../../helpers/run-report.js";

const ROOT_RUN: Actor = { uid: 0, mayKillAnyUser: true };
const TOKEN = "tokd3t41l";
const WORKER = ["python3", "worker.py", "--token", TOKEN];
// Uptime 1,000,000 s at 100 ticks/s: started at 99,000,000 ticks = 10,000 s old.
const OLD = 99_000_000;
const YOUNG = 99_999_900;
/** Workers under a live parent: not orphans. */
const CHILDREN = Array.from({ length: 20 }, (_, i) => 100 + i);

const fixtures: ProcFixture[] = [];
afterEach(() => fixtures.splice(0).forEach((f) => f.cleanup()));

/**
 * PID 1; a shell (10, an orphan itself) with 20 token workers (100–119, parent alive); token
 * orphans 200, 201 and 202 (202 runs with --keep, which protect names); an orphan of another
 * program (203); a young token orphan (204).
 */
function tree(): ProcFixture {
  const f = new ProcFixture(1_000_000);
  fixtures.push(f);
  f.add({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, startTicks: 1 });
  f.add({ pid: 10, ppid: 1, comm: "bash", argv: ["bash", "run.sh"], startTicks: OLD });
  for (const pid of CHILDREN)
    f.add({ pid, ppid: 10, comm: "python3", argv: WORKER, startTicks: OLD, rssPages: pid });
  f.add({ pid: 200, ppid: 1, comm: "python3", argv: WORKER, startTicks: OLD });
  f.add({ pid: 201, ppid: 1, comm: "python3", argv: WORKER, startTicks: OLD });
  f.add({ pid: 202, ppid: 1, comm: "python3", argv: [...WORKER, "--keep"], startTicks: OLD });
  f.add({ pid: 203, ppid: 1, comm: "python3", argv: ["python3", "serve.py"], startTicks: OLD });
  f.add({ pid: 204, ppid: 1, comm: "python3", argv: WORKER, startTicks: YOUNG });
  // For a unit condition's cgroup read.
  for (const pid of readdirSync(f.root).filter((name) => /^\d+$/.test(name)))
    writeFileSync(join(f.root, pid, "cgroup"), "0::/system.slice/train.service\n");
  return f;
}

const KILL_ORPHANS = `
protect:
  - cmdline: '--keep'
rules:
  - name: orphans
    match: { cmdline: 'worker\\.py --token ${TOKEN}', orphaned: true, older_than: 1h }
    action: kill
    tree: false
`;

function scan(f: ProcFixture, yaml: string, scope: DetailScope): Snapshot {
  return readProcessTable({
    procRoot: f.root,
    selfPid: 424242,
    now: () => 1_700_000_000_000,
    ...scanNeeds(config(yaml), ROOT_RUN, undefined, scope),
  });
}

/** The pids whose command line the scan read. */
function detailed(snap: Snapshot): number[] {
  return snap.processes
    .filter((p) => p.argv !== null)
    .map((p) => p.pid)
    .sort((a, b) => a - b);
}

/** What a plan decided, without the processes' detail (the scans' objects differ). */
function decisions(p: Plan) {
  return {
    entries: p.entries.map((e) => [e.action, e.rule, e.process.pid, e.facts]),
    spared: p.spared.map((s) => [s.rule, s.process.pid, s.code, s.reasons]),
    refusals: p.refusals,
    inactive: p.inactive,
  };
}

describe("a live run reads in detail only what a rule could take by its stat facts", () => {
  it("reads 5 of 27 live (the orphans), every one in a dry run", () => {
    const f = tree();
    const live = scan(f, KILL_ORPHANS, "act");
    const dry = scan(f, KILL_ORPHANS, "explain");
    // 10, 203: orphans old enough, whose command line the rule then does not match; 204 too young.
    expect(detailed(live)).toEqual([10, 200, 201, 202, 203]);
    expect(live.detailed).toBe(5);
    // PID 1, the 20 workers under a live parent, the young orphan: a dry run reads them.
    expect(live.notDetailed).toBe(22);
    expect(dry.detailed).toBe(27);
    expect(dry.notDetailed).toBeUndefined();
  });

  it("never reads a process that fails `orphaned`", () => {
    const live = scan(tree(), KILL_ORPHANS, "act");
    for (const pid of CHILDREN)
      expect(live.processes.find((p) => p.pid === pid)!.argv, `pid ${pid}`).toBeNull();
  });

  it("protect still applies: the protected orphan is read and spared", () => {
    const live = scan(tree(), KILL_ORPHANS, "act");
    const out = plan(live, config(KILL_ORPHANS), ROOT_RUN);
    expect(out.entries.map((e) => e.process.pid)).toEqual([200, 201]);
    expect(out.spared.map((s) => [s.process.pid, s.code, s.reasons])).toEqual([
      [202, "protected", ["protected: listed in protect[0]"]],
    ]);
  });

  it("plans the same as a dry run, but for the spares of processes it did not read", () => {
    const f = tree();
    const rules = config(KILL_ORPHANS);
    const live = plan(scan(f, KILL_ORPHANS, "act"), rules, ROOT_RUN);
    const dry = plan(scan(f, KILL_ORPHANS, "explain"), rules, ROOT_RUN);
    expect(decisions(live).entries).toEqual(decisions(dry).entries);
    expect(live.refusals).toEqual(dry.refusals);
    // The dry run also says why it spared the workers under a live parent and the young one.
    const liveSpared = new Set(live.spared.map((s) => s.process.pid));
    const onlyDry = dry.spared.filter((s) => !liveSpared.has(s.process.pid));
    expect(onlyDry.map((s) => [s.process.pid, s.code])).toEqual([
      ...CHILDREN.map((pid) => [pid, "parent-alive"]),
      [204, "too-young"],
    ]);
    expect(decisions(live).spared).toEqual(
      decisions({ ...dry, spared: dry.spared.filter((s) => liveSpared.has(s.process.pid)) }).spared,
    );
  });

  it("an alert or report rule's stat facts count as much as a kill rule's", () => {
    const f = tree();
    // Worker N has N pages of 4 KiB: 108–119 are over 440 KB, and the report rule could take
    // them (as PID 1 and the young orphan, of 256 pages).
    const yaml = `${KILL_ORPHANS}
  - name: big-workers
    match: { cmdline: '${TOKEN}', rss_over: 440KB }
    action: report
`;
    const live = scan(f, yaml, "act");
    const dry = scan(f, yaml, "explain");
    const big = CHILDREN.filter((pid) => pid * 4096 > 440_000);
    expect(big.length).toBeGreaterThan(0);
    expect(detailed(live)).toEqual([1, 10, ...big, 200, 201, 202, 203, 204].sort((a, b) => a - b));
    const rules = config(yaml);
    expect(decisions(plan(live, rules, ROOT_RUN)).entries).toEqual(
      decisions(plan(dry, rules, ROOT_RUN)).entries,
    );
  });

  it("a rule without stat conditions, or with conditions known only after the scan, loses nothing", () => {
    const f = tree();
    const bySelector = `rules: [{ name: r, match: { cmdline: '${TOKEN}' }, action: report }]`;
    expect(scan(f, bySelector, "act").detailed).toBe(27);
    // unit_stopped needs systemd's answer, asked after the scan: it is taken to hold.
    const byUnit = `rules: [{ name: r, match: { cmdline: '${TOKEN}', unit_stopped: true }, action: report }]`;
    expect(scan(f, byUnit, "act").detailed).toBe(27);
    expect(scan(f, byUnit, "act").notDetailed).toBe(0);
  });

  it("a service's candidates are read, and with kill_after their trees", () => {
    const f = tree();
    const service = (health: string) => `${KILL_ORPHANS}
services:
  - name: shell
    match: { comm: bash }
${health}`;
    // The shell is a candidate of the service; its workers fail the rule's stat facts.
    expect(detailed(scan(f, service(""), "act"))).toEqual([10, 200, 201, 202, 203]);
    const killAfter = `    health: { url: "http://127.0.0.1:9/health", kill_after: 3 }`;
    // Freeing the port kills the instance's tree, each process judged by protect: all read.
    for (const scope of ["act", "explain"] as const)
      expect(detailed(scan(f, service(killAfter), scope))).toEqual(
        [10, ...CHILDREN, 200, 201, 202, 203]
          .concat(scope === "explain" ? [1, 204] : [])
          .sort((a, b) => a - b),
      );
  });
});

describe("the live report says what it did not read", () => {
  it("in the scan line, when a live scan left some processes unread", () => {
    const report = liveReport();
    const text = renderText({ ...report, scan: { ...report.scan!, notDetailed: 292 } });
    expect(text.split("\n")[1]).toBe(
      "scanned 312 processes in 14 ms, 20 of them in full (command line and owner: those a rule or service could match); 292 processes not read in detail: their stat facts fail every rule (a dry run says why each is spared)",
    );
    expect(renderText(report)).not.toContain("not read in detail");
  });
});
