// portCommand on fixture /proc trees. Nothing here signals a real process: the runs are dry, and
// the one live run gets a kill function that only edits the fixture tree.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { portCommand } from "../../../src/port/port-command.js";
import { ScanError } from "../../../src/scan/types.js";
import { ProcFixture, statLine } from "../../helpers/fixtures.js";

const PORT = 8080;
/** Pids no test process has (pid_max is at most 4,194,304) */
const A = 4_190_001;
const B = 4_190_002;
const OLD = 4_190_003;
const NEW = 4_190_004;
const UID = process.geteuid?.() ?? 0;

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), "cleanup-port-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A TCP LISTEN line on 127.0.0.1:PORT (host byte order as on little-endian). */
const listenLine = (sl: number, inode: number): string =>
  `   ${sl}: 0100007F:${PORT.toString(16).toUpperCase()} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0 100 0 0 10 0`;

/**
 * Orphans A and B (a kill rule's), and an older and a newer instance of a single_instance
 * service; A, B and the older instance each hold a socket on PORT.
 */
function tree(token: string, withNet = true): ProcFixture {
  const f = new ProcFixture(1_000_000);
  cleanups.push(() => f.cleanup());
  const server = `/opt/${token}/server.py`;
  f.add({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, startTicks: 1 });
  f.add({
    pid: A,
    ppid: 1,
    comm: "python3",
    argv: ["python3", server, "a"],
    uid: UID,
    exe: "/usr/bin/python3.12",
  });
  f.add({
    pid: B,
    ppid: 1,
    comm: "python3",
    argv: ["python3", server, "a"],
    uid: UID,
    exe: "/usr/bin/python3.12",
  });
  const b = ["python3", server, "b"];
  f.add({
    pid: OLD,
    ppid: 1,
    comm: "python3",
    argv: b,
    uid: UID,
    exe: "/usr/bin/python3.12",
    startTicks: 100,
  });
  f.add({
    pid: NEW,
    ppid: 1,
    comm: "python3",
    argv: b,
    uid: UID,
    exe: "/usr/bin/python3.12",
    startTicks: 200,
  });
  const fds: [number, string[]][] = [
    [A, ["socket:[5001]"]],
    [B, ["socket:[5002]"]],
    [OLD, ["socket:[5003]"]],
    [NEW, ["/dev/null"]],
  ];
  for (const [pid, targets] of fds) {
    const dir = join(f.root, String(pid), "fd");
    mkdirSync(dir);
    targets.forEach((target, i) => symlinkSync(target, join(dir, String(i + 3))));
  }
  if (withNet) {
    mkdirSync(join(f.root, "net"));
    const lines = [
      "  sl  local_address rem_address   st …",
      ...[5001, 5002, 5003].map((inode, i) => listenLine(i, inode)),
    ];
    writeFileSync(join(f.root, "net", "tcp"), `${lines.join("\n")}\n`);
  }
  return f;
}

function configFile(token: string, maxKills: number): string {
  const path = join(tmp(), "rules.yaml");
  writeFileSync(
    path,
    `
settings: { max_kills_per_run: ${maxKills} }
rules:
  - name: orphans
    match: { cmdline: '^python3 /opt/${token}/server\\.py a$', orphaned: true }
    action: kill
services:
  - name: svc
    match: { cmdline: '^python3 /opt/${token}/server\\.py b$' }
    single_instance: true
`,
  );
  return path;
}

const token = () => `tok${Math.random().toString(36).slice(2, 10)}`;

describe("portCommand on a fixture /proc", () => {
  it("throws a ScanError, with the reason, when the socket tables cannot be read", async () => {
    const t = token();
    const f = tree(t, false);
    const run = portCommand({
      configPath: configFile(t, 100),
      port: PORT,
      protos: [],
      free: true,
      dryRun: true,
      procRoot: f.root,
      stateDir: tmp(),
    });
    await expect(run).rejects.toBeInstanceOf(ScanError);
    await expect(run).rejects.toThrow(
      `cannot read the socket tables (${f.root}/net/tcp, tcp6, udp, udp6): no socket tables under ${f.root}/net`,
    );
  });

  it("refuses when all the stale holders together exceed settings.max_kills_per_run", async () => {
    const t = token();
    const f = tree(t);
    const options = {
      port: PORT,
      protos: [],
      free: true,
      dryRun: true,
      procRoot: f.root,
      stateDir: tmp(),
    };
    // The rule's two orphans fit the run's budget of 2, the service's older instance on its
    // own too; the three together do not.
    const refused = await portCommand({ ...options, configPath: configFile(t, 2) });
    expect(refused.holders.map((h) => [h.process.pid, h.verdict.stale])).toEqual([
      [A, true],
      [B, true],
      [OLD, true],
    ]);
    expect(refused.outcome).toBe("refused");
    expect(refused.refusal).toEqual([
      "freeing the port would kill 3 processes, over settings.max_kills_per_run (2)",
    ]);
    expect(refused.targets).toEqual([]);
    expect(refused.results).toEqual([]);

    const fits = await portCommand({ ...options, configPath: configFile(t, 3) });
    expect(fits.outcome).toBe("would-free");
    expect(fits.targets.map((p) => p.pid).sort()).toEqual([A, B, OLD]);
  });

  it("says still-held with the problem when the port cannot be checked after the kills", async () => {
    const t = token();
    const f = tree(t);
    const signalled: number[] = [];
    const report = await portCommand({
      configPath: configFile(t, 100),
      port: PORT,
      protos: [],
      free: true,
      dryRun: false,
      procRoot: f.root,
      stateDir: tmp(),
      // Not a real signal: the fixture process goes away, and so do the socket tables.
      kill: (pid) => {
        signalled.push(pid);
        f.remove(pid);
        try {
          renameSync(join(f.root, "net"), join(f.root, "net.gone"));
        } catch {
          // already gone
        }
      },
    });
    expect(signalled.sort()).toEqual([A, B, OLD]);
    expect(report.outcome).toBe("still-held");
    expect(report.remaining).toEqual([]);
    expect(report.checkProblem).toBe(
      `cannot check the port after the kills: no socket tables under ${f.root}/net`,
    );
  });

  it("answers a free port from the socket tables alone: no process is read", async () => {
    const t = token();
    const f = tree(t);
    // Every process entry gone: a scan would fail ("no process could be read"), so a run that
    // read any process's stat, namespace or fds could not answer.
    for (const pid of [1, A, B, OLD, NEW]) f.remove(pid);
    const options = {
      configPath: configFile(t, 100),
      port: PORT + 1,
      protos: [],
      dryRun: true,
      procRoot: f.root,
      stateDir: tmp(),
    };
    const shown = await portCommand({ ...options, free: false });
    expect(shown).toMatchObject({ outcome: "shown", holders: [], uninspectable: [], targets: [] });
    expect(shown.refusal).toEqual([]);
    const freed = await portCommand({ ...options, free: true });
    expect(freed).toMatchObject({ outcome: "already-free", holders: [], uninspectable: [] });
    // A socket on the port makes it a question for the process table: the scan runs (and
    // fails here, with no process to read).
    await expect(portCommand({ ...options, port: PORT, free: false })).rejects.toThrow(
      /no process could be read/,
    );
  });

  it("names every holder of a socket shared after fork, not only the first found", async () => {
    const t = token();
    const f = tree(t);
    // B forked from A's server: both hold A's listening socket 5001 (and B its own 5002).
    symlinkSync("socket:[5001]", join(f.root, String(B), "fd", "9"));
    const report = await portCommand({
      configPath: configFile(t, 100),
      port: PORT,
      protos: [],
      free: false,
      dryRun: true,
      procRoot: f.root,
      stateDir: tmp(),
    });
    expect(report.holders.map((h) => [h.process.pid, h.listeners.map((l) => l.inode)])).toEqual([
      [A, [5001]],
      [B, [5001, 5002]],
      [OLD, [5003]],
    ]);
    expect(report.uninspectable).toEqual([]);
  });
});

describe("portCommand reads the holders' lineages, and every process when a verdict needs it", () => {
  const L = 4_190_011; // a launcher (bash), alive, a child of PID 1
  const H = 4_190_012; // the holder, L's child
  const C = 4_190_013; // L's other child, not on the port
  const O1 = 4_190_014; // orphans the holder's rule also takes
  const O2 = 4_190_015;
  const G = 4_190_019; // H's process group: its leader is not in the table

  /** H holds socket 6001 on PORT; what else is there depends on the test. */
  function lineageTree(t: string): ProcFixture {
    const f = new ProcFixture(1_000_000);
    cleanups.push(() => f.cleanup());
    const server = (x: string) => ["python3", `/opt/${t}/server.py`, x];
    f.add({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, startTicks: 1 });
    f.add({ pid: L, ppid: 1, comm: "bash", argv: ["bash", `/opt/${t}/run.sh`], uid: UID });
    f.add({ pid: H, ppid: L, comm: "python3", argv: server("h"), uid: UID });
    f.add({ pid: C, ppid: L, comm: "sleep", argv: ["sleep", "3600"], uid: UID });
    f.add({ pid: O1, ppid: 1, comm: "python3", argv: server("o"), uid: UID });
    f.add({ pid: O2, ppid: 1, comm: "python3", argv: server("o"), uid: UID });
    const fd = join(f.root, String(H), "fd");
    mkdirSync(fd);
    symlinkSync("socket:[6001]", join(fd, "3"));
    mkdirSync(join(f.root, "net"));
    writeFileSync(
      join(f.root, "net", "tcp"),
      `  sl  local_address rem_address   st …\n${listenLine(0, 6001)}\n`,
    );
    return f;
  }

  function rules(yaml: string): string {
    const path = join(tmp(), "rules.yaml");
    writeFileSync(path, yaml);
    return path;
  }

  async function show(f: ProcFixture, configPath: string) {
    const report = await portCommand({
      configPath,
      port: PORT,
      protos: [],
      free: true,
      dryRun: true,
      procRoot: f.root,
      stateDir: tmp(),
    });
    return { report, verdicts: report.holders.map((h) => [h.process.pid, h.verdict]) };
  }

  it("judges a holder no kill rule takes by its own and its parent's facts", async () => {
    const t = token();
    const f = lineageTree(t);
    const { report, verdicts } = await show(
      f,
      rules(`rules:
  - name: orphans
    match: { cmdline: '^python3 /opt/${t}/server\\.py ', orphaned: true }
    action: kill
`),
    );
    expect(verdicts).toEqual([
      [
        H,
        {
          stale: false,
          reasons: [`rule orphans spares it: parent alive (parent ${L} bash)`],
        },
      ],
    ]);
    expect(report.holders[0]!.parent).toEqual({
      pid: L,
      comm: "bash",
      orphaned: false,
      fact: `parent alive (parent ${L} bash)`,
    });
    expect(report.holders[0]!.process.argv).toEqual(["python3", `/opt/${t}/server.py`, "h"]);
    expect(report.outcome).toBe("refused");
  });

  it("counts every process a rule takes when it takes the holder (max_kills)", async () => {
    const t = token();
    const f = lineageTree(t);
    // H orphaned: the rule takes it, O1 and O2, over its budget of 2.
    f.setStat({ pid: H, ppid: 1, comm: "python3" });
    const config = (max: number) =>
      rules(`rules:
  - name: orphans
    match: { cmdline: '^python3 /opt/${t}/server\\.py ', orphaned: true }
    action: kill
    max_kills: ${max}
`);
    const over = await show(f, config(2));
    expect(over.verdicts).toEqual([
      [
        H,
        {
          stale: false,
          reasons: [
            "rule orphans spares it: rule orphans matched 3 processes to kill, over its budget of 2 (max_kills): it kills none this run",
          ],
        },
      ],
    ]);
    const fits = await show(f, config(3));
    expect(fits.report.outcome).toBe("would-free");
    expect(fits.report.targets.map((p) => p.pid)).toEqual([H]);
  });

  it("counts the whole tree when a tree rule takes an ancestor of the holder", async () => {
    const t = token();
    const f = lineageTree(t);
    // L orphaned-by-rule: its tree is L, H and C (C holds nothing and is not H's ancestor).
    const config = (max: number) =>
      rules(`rules:
  - name: launchers
    match: { cmdline: '^bash /opt/${t}/run\\.sh$', orphaned: true }
    action: kill
    tree: true
    max_kills: ${max}
`);
    const over = await show(f, config(2));
    expect(over.verdicts).toEqual([
      [
        H,
        {
          stale: false,
          reasons: [
            "rule launchers spares it: rule launchers matched 3 processes to kill, over its budget of 2 (max_kills): it kills none this run",
          ],
        },
      ],
    ]);
    const fits = await show(f, config(3));
    expect(fits.verdicts).toEqual([
      [
        H,
        {
          stale: true,
          reasons: [
            `in the tree of pid ${L}, which kill rule launchers names: cmdline matches /^bash /opt/${t}/run\\.sh$/; orphaned (parent 1 systemd)`,
          ],
        },
      ],
    ]);
    expect(fits.report.targets.map((p) => p.pid).sort()).toEqual([L, H, C].sort());
  });

  it("reads every process's stat for a leader condition: an unreadable entry makes a missing leader unknown", async () => {
    const t = token();
    const f = lineageTree(t);
    // H's group is G, whose leader is not in the table; another entry's stat is unreadable.
    const stat = statLine({ pid: H, ppid: L, comm: "python3" }).split(" ");
    stat[4] = String(G);
    writeFileSync(join(f.root, String(H), "stat"), stat.join(" "));
    rmSync(join(f.root, String(C), "stat"));
    mkdirSync(join(f.root, String(C), "stat"));
    const { verdicts } = await show(
      f,
      rules(`rules:
  - name: leaderless
    match: { cmdline: '^python3 /opt/${t}/server\\.py h$', group_leader: gone }
    action: kill
`),
    );
    expect(verdicts).toEqual([
      [
        H,
        {
          stale: false,
          reasons: [
            `rule leaderless spares it: not its group's leader; leader ${G} not in the table, which may be incomplete: 1 /proc entry was unreadable (hidepid?) (the rule wants gone)`,
          ],
        },
      ],
    ]);
  });
});
