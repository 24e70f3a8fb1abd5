import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { scanNeeds } from "../../../src/rules/detail-filter.js";
import type { Actor } from "../../../src/rules/plan-types.js";
import { readProcessTable } from "../../../src/scan/read-process-table.js";
import { ScanError } from "../../../src/scan/types.js";
import { ProcFixture, config } from "../../helpers/fixtures.js";

const fixtures: ProcFixture[] = [];
function tree(): ProcFixture {
  const f = new ProcFixture(1_000_000);
  fixtures.push(f);
  writeFileSync(
    join(f.root, "passwd"),
    "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
  );
  return f
    .add({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, startTicks: 1 })
    .add({ pid: 2, ppid: 0, comm: "kthreadd", flags: 0x00200040, startTicks: 2 })
    .add({ pid: 3, ppid: 2, comm: "kworker/0:0", flags: 0x04208060, startTicks: 3 });
}
afterEach(() => fixtures.splice(0).forEach((f) => f.cleanup()));

// An ordinary user's run: it reads /proc/PID/status for the real and saved uids.
const USER_RUN: Actor = { uid: 1000, mayKillAnyUser: false };
const ROOT_RUN: Actor = { uid: 0, mayKillAnyUser: true };

function scan(f: ProcFixture, rulesYaml: string, actor: Actor = USER_RUN) {
  return readProcessTable({
    procRoot: f.root,
    selfPid: 424242,
    now: () => 1_700_000_000_000,
    passwdPath: join(f.root, "passwd"),
    ...scanNeeds(config(rulesYaml), actor),
  });
}

const ANY_CMDLINE = `rules: [{ name: r, match: { cmdline: 'x' }, action: report }]`;

describe("readProcessTable on a fixture /proc", () => {
  it("reads identity, tree, age, rss, cpu, argv and user; flags kernel threads", () => {
    const f = tree().add({
      pid: 100,
      ppid: 1,
      comm: "python3",
      state: "S",
      startTicks: 99_000_000, // 990,000 s after boot; uptime is 1,000,000 s
      rssPages: 1000,
      argv: ["/usr/bin/python3", "-c", "print('a b')", ""],
      uid: 1000,
    });
    const snap = scan(f, ANY_CMDLINE);
    const byPid = new Map(snap.processes.map((p) => [p.pid, p]));
    expect([...byPid.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 100]);
    expect(byPid.get(2)!.kernelThread).toBe(true);
    expect(byPid.get(3)!.kernelThread).toBe(true);
    expect(byPid.get(3)!.argv).toBeNull(); // kernel threads are never read in detail
    const p = byPid.get(100)!;
    expect(p).toMatchObject({
      ppid: 1,
      pgid: 100,
      sid: 100,
      comm: "python3",
      state: "S",
      startTicks: 99_000_000,
      kernelThread: false,
    });
    expect(p.ageMs).toBe(10_000_000);
    expect(p.rssBytes).toBe(1000 * 4096);
    expect(p.cpuMs).toBe(750); // (50 + 25) ticks at 100 Hz
    // argv keeps argument boundaries, spaces inside arguments and empty arguments.
    expect(p.argv).toEqual(["/usr/bin/python3", "-c", "print('a b')", ""]);
    expect(p).toMatchObject({ uid: 1000, user: "app", signalUids: [1000, 1000] });
    expect(snap.uptimeMs).toBe(1_000_000_000);
    expect(snap.takenAtMs).toBe(1_700_000_000_000);
  });

  it("as root without user matchers, takes the uid from the owner of /proc/PID, not status", () => {
    const f = tree().add({ pid: 100, ppid: 1, comm: "python3", argv: ["x"], uid: 1000 });
    const owner = statSync(join(f.root, "100", "cmdline")).uid;
    const p = scan(f, ANY_CMDLINE, ROOT_RUN).processes.find((x) => x.pid === 100)!;
    expect(p).toMatchObject({ uid: owner, signalUids: null });
    const withUserRule = scan(
      f,
      `rules: [{ name: r, match: { user: app }, action: report }]`,
      ROOT_RUN,
    );
    expect(withUserRule.processes.find((x) => x.pid === 100)).toMatchObject({
      uid: 1000,
      user: "app",
      signalUids: [1000, 1000],
    });
  });

  it("parses hostile names: parentheses and spaces in comm", () => {
    const f = tree().add({
      pid: 100,
      ppid: 1,
      comm: "foo) Z 1 (bar",
      state: "R",
      startTicks: 777,
      argv: ["evil"],
    });
    const p = scan(f, ANY_CMDLINE).processes.find((x) => x.pid === 100)!;
    expect(p).toMatchObject({ comm: "foo) Z 1 (bar", state: "R", ppid: 1, startTicks: 777 });
  });

  it("reads argv only for processes passing the cheap tests (a rule's comm list)", () => {
    const f = tree()
      .add({ pid: 100, ppid: 1, comm: "python3", argv: ["python3", "a.py"] })
      .add({ pid: 101, ppid: 1, comm: "nginx", argv: ["nginx: worker"] });
    const snap = scan(
      f,
      `rules: [{ name: r, match: { comm: python3, cmdline: 'a' }, action: report }]`,
    );
    const argv = Object.fromEntries(snap.processes.map((p) => [p.pid, p.argv]));
    expect(argv[100]).toEqual(["python3", "a.py"]);
    expect(argv[101]).toBeNull();
    expect(snap.detailed).toBe(1);
  });

  it("for conditions-only rules, reads argv only of processes already meeting the conditions", () => {
    const f = tree()
      .add({ pid: 100, ppid: 1, comm: "big", rssPages: 200_000, argv: ["big"] })
      .add({ pid: 101, ppid: 1, comm: "small", rssPages: 10, argv: ["small"] });
    const snap = scan(f, `rules: [{ name: r, match: { rss_over: 500MB }, action: report }]`);
    expect(snap.processes.filter((p) => p.argv !== null).map((p) => p.pid)).toEqual([100]);
  });

  it("reads the parent's detail when a rule has a parent matcher", () => {
    const f = tree()
      .add({ pid: 50, ppid: 1, comm: "gunicorn", argv: ["gunicorn: master"] })
      .add({ pid: 100, ppid: 50, comm: "python3", argv: ["python3", "w.py"] });
    const snap = scan(
      f,
      `rules: [{ name: r, match: { comm: python3, parent: 'gunicorn' }, action: report }]`,
    );
    expect(snap.processes.find((p) => p.pid === 50)!.argv).toEqual(["gunicorn: master"]);
  });

  it("skips a process that vanishes between stat and cmdline", () => {
    const f = tree().add({ pid: 100, ppid: 1, comm: "python3", argv: ["x"] });
    mkdirSync(join(f.root, "101"));
    writeFileSync(
      join(f.root, "101", "stat"),
      "101 (gone) S 1 101 101 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 0 0\n",
    );
    const snap = scan(f, ANY_CMDLINE);
    expect(snap.processes.map((p) => p.pid).sort((a, b) => a - b)).toEqual([1, 2, 3, 100]);
  });

  it("an unreadable or empty process table is an error, never 'nothing found'", () => {
    const f = new ProcFixture();
    fixtures.push(f);
    expect(() => scan(f, ANY_CMDLINE)).toThrow(ScanError);
    expect(() => scan(f, ANY_CMDLINE)).toThrow(/no process could be read/);
    expect(() =>
      readProcessTable({
        procRoot: join(f.root, "missing"),
        selfPid: 1,
        now: () => 0,
        ...scanNeeds(config(ANY_CMDLINE), USER_RUN),
      }),
    ).toThrow(/cannot read the process table/);
  });
});

describe("readProcessTable on the real /proc", () => {
  it("sees this test process with its real argv and start time", () => {
    const snap = readProcessTable({
      procRoot: "/proc",
      selfPid: process.pid,
      now: () => Date.now(),
      ...scanNeeds(config(ANY_CMDLINE), USER_RUN),
    });
    const self = snap.processes.find((p) => p.pid === process.pid)!;
    const raw = readFileSync(`/proc/${process.pid}/cmdline`, "utf8").split("\0").slice(0, -1);
    expect(self.argv).toEqual(raw);
    expect(self.ppid).toBe(process.ppid);
    expect(self.kernelThread).toBe(false);
    expect(self.uid).toBe(process.geteuid!());
    expect(self.ageMs).toBeGreaterThanOrEqual(0);
    expect(self.ageMs).toBeLessThan(process.uptime() * 1000 + 5000);
    expect(snap.clockTicks).toBeGreaterThan(0);
  });
});
