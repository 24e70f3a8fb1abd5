// The holder search of `cleanup port` (one pass over every fd directory) and the partial scan
// that follows it (ScanOptions.seeds, socketInodes), on fixture /proc trees.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { scanNeeds } from "../../../src/rules/detail-filter.js";
import { readProcessTable } from "../../../src/scan/read-process-table.js";
import { findSocketHolders } from "../../../src/scan/socket-holders.js";
import { ProcFixture, config } from "../../helpers/fixtures.js";

const fixtures: ProcFixture[] = [];
afterEach(() => fixtures.splice(0).forEach((f) => f.cleanup()));

function withFds(f: ProcFixture, pid: number, targets: string[]): void {
  const dir = join(f.root, String(pid), "fd");
  mkdirSync(dir);
  targets.forEach((target, i) => symlinkSync(target, join(dir, String(i))));
}

/** 1 ← 10 (bash) ← 11 (server, holds 7001 on fd 2) ← 12 (worker, holds 7001); 20, 21 apart. */
function tree(): ProcFixture {
  const f = new ProcFixture(1_000_000);
  fixtures.push(f);
  f.add({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, startTicks: 1 })
    .add({ pid: 10, ppid: 1, comm: "bash", argv: ["bash"] })
    .add({ pid: 11, ppid: 10, comm: "server", argv: ["server"] })
    .add({ pid: 12, ppid: 11, comm: "server", argv: ["server"] })
    .add({ pid: 20, ppid: 1, comm: "other", argv: ["other"] })
    .add({ pid: 21, ppid: 20, comm: "other", argv: ["other"] });
  withFds(f, 11, ["/dev/null", "/dev/null", "socket:[7001]", "socket:[7002]"]);
  withFds(f, 12, ["socket:[7001]"]);
  withFds(f, 20, ["socket:[7003]"]);
  mkdirSync(join(f.root, "net"));
  // 7001 listens on 127.0.0.1:8080, 7003 on :8081.
  const line = (sl: number, port: number, inode: number) =>
    `   ${sl}: 0100007F:${port.toString(16).toUpperCase()} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0 100 0 0 10 0`;
  writeFileSync(
    join(f.root, "net", "tcp"),
    `  sl  local_address …\n${line(0, 8080, 7001)}\n${line(1, 8081, 7003)}\n`,
  );
  return f;
}

describe("findSocketHolders", () => {
  it("finds every process holding one of the inodes, fds 0-2 included, and keeps each one's sockets", () => {
    const f = tree();
    const pass = findSocketHolders(f.root, new Set([7001]));
    expect(pass.holders.sort((a, b) => a - b)).toEqual([11, 12]);
    expect(pass.sockets.get(11)).toEqual([7001, 7002]);
    expect(pass.sockets.get(20)).toEqual([7003]);
    // No fd directory: unknown, not "none".
    expect(pass.sockets.get(21)).toBeNull();
    expect(findSocketHolders(f.root, new Set([9999])).holders).toEqual([]);
  });
});

describe("readProcessTable with seeds", () => {
  const scan = (f: ProcFixture, extra: object) =>
    readProcessTable({
      procRoot: f.root,
      selfPid: 424242,
      now: () => 1_700_000_000_000,
      ...scanNeeds(config(`rules: [{ name: r, match: { cmdline: 'x' }, action: report }]`), {
        uid: 0,
        mayKillAnyUser: true,
      }),
      wantListeners: true,
      ...extra,
    });

  it("reads the seeds and their ancestors only, and says the snapshot is partial", () => {
    const f = tree();
    const snap = scan(f, { seeds: [12] });
    expect(snap.processes.map((p) => p.pid).sort((a, b) => a - b)).toEqual([1, 10, 11, 12]);
    expect(snap.partial).toBe(true);
    expect(snap.processes.find((p) => p.pid === 12)!.listening).toEqual([
      { proto: "tcp", address: "127.0.0.1", port: 8080, inode: 7001 },
    ]);
    const whole = scan(f, {});
    expect(whole.processes.map((p) => p.pid).sort((a, b) => a - b)).toEqual([
      1, 10, 11, 12, 20, 21,
    ]);
    expect(whole).not.toHaveProperty("partial");
  });

  it("reads the whole table when no seed can be read", () => {
    const f = tree();
    const snap = scan(f, { seeds: [4_190_999] });
    // PID 1 is a seed too: it alone is read.
    expect(snap.processes.map((p) => p.pid)).toEqual([1]);
    f.remove(1);
    expect(scan(f, { seeds: [4_190_999] }).processes).toHaveLength(5);
  });

  it("takes the socket inodes given instead of reading the fds again", () => {
    const f = tree();
    // 21 has no fd directory; the pass says it held 7003.
    const snap = scan(f, { socketInodes: new Map([[21, [7003]]]) });
    const byPid = new Map(snap.processes.map((p) => [p.pid, p]));
    expect(byPid.get(21)!.listening).toEqual([
      { proto: "tcp", address: "127.0.0.1", port: 8081, inode: 7003 },
    ]);
    // Not in the map: read.
    expect(byPid.get(20)!.listening?.map((l) => l.inode)).toEqual([7003]);
  });
});
