import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Selector } from "../../../src/config/types.js";
import { scanNeeds } from "../../../src/rules/detail-filter.js";
import { matchSelector } from "../../../src/rules/match.js";
import type { Actor } from "../../../src/rules/plan-types.js";
import { buildProtection } from "../../../src/rules/protect.js";
import { parseNetTable, readListenerTable, readSocketInodes } from "../../../src/scan/listeners.js";
import { readProcessTable } from "../../../src/scan/read-process-table.js";
import type { Listener, ProcessInfo } from "../../../src/scan/types.js";
import { ProcFixture, config, proc } from "../../helpers/fixtures.js";

// Lines copied from this machine's /proc/net/* (a python3 holding the sockets named in comments).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 0100007F:E8BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2162860 1 00000000b7b51fc1 100 0 0 10 0                   
   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1668 1 00000000131028b2 100 0 0 10 0                      
   2: 0100007F:E8BB 0100007F:876E 01 00000000:00000000 00:00000000 00000000     0        0 2162867 1 000000004ecf2361 20 0 0 10 -1                   
   3: 0100007F:876E 0100007F:E8BB 01 00000000:00000000 00:00000000 00000000     0        0 2162866 2 000000005a8223ec 20 0 0 10 -1                   
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100007F:C75F 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2162868 1 000000000d1901f5 100 0 0 10 0
   1: 00000000000000000000000000000000:94D3 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2162862 1 00000000ec4ce3c3 100 0 0 10 0
   2: 00000000000000000000000001000000:E4FD 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2162861 1 00000000c91d4e37 100 0 0 10 0
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            
11359: 00000000:A183 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2162863 2 00000000c1e943e3 0       
12145: 0100007F:E495 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 2162864 2 000000001668aed8 0       
`;
const UDP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 7699: 00000000000000000000000001000000:D337 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2162865 2 00000000b11a5ea5 0
`;

const v6Line = (hex: string, inode: number) =>
  `   0: ${hex}:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0 100 0 0 10 0`;

describe("parseNetTable", () => {
  it("keeps TCP sockets in LISTEN, decoding IPv4 in host byte order", () => {
    expect(parseNetTable(TCP, "tcp")).toEqual([
      { proto: "tcp", address: "127.0.0.1", port: 59579, inode: 2162860 },
      { proto: "tcp", address: "0.0.0.0", port: 2024, inode: 1668 },
    ]);
  });

  it("decodes IPv6 (::ffff:127.0.0.1, ::, ::1) from four host-order words", () => {
    expect(parseNetTable(TCP6, "tcp6")).toEqual([
      { proto: "tcp6", address: "::ffff:127.0.0.1", port: 51039, inode: 2162868 },
      { proto: "tcp6", address: "::", port: 38099, inode: 2162862 },
      { proto: "tcp6", address: "::1", port: 58621, inode: 2162861 },
    ]);
  });

  it("compresses the longest run of zero groups, lower case, no leading zeros", () => {
    // 2001:db8::1 and fe80:0:0:0:1:0:0:2 (the first, longer run is compressed), host order.
    const text = [
      "header",
      v6Line("B80D0120000000000000000001000000", 1),
      v6Line("000080FE000000000000010002000000", 2),
    ].join("\n");
    expect(parseNetTable(text, "tcp6").map((l) => l.address)).toEqual([
      "2001:db8::1",
      "fe80::1:0:0:2",
    ]);
  });

  it("renders IPv6 as the WHATWG URL parser does (RFC 5952), on random addresses", () => {
    for (let n = 0; n < 500; n++) {
      // Groups mostly zero, so that runs of zeros of every length and position occur.
      const groups = Array.from({ length: 8 }, () =>
        Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 0x10000),
      );
      if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) continue;
      const words = [0, 2, 4, 6].map((i) => ((groups[i]! << 16) | groups[i + 1]!) >>> 0);
      // Each word in host (little-endian) order, as the kernel prints it.
      const hex = words
        .map((w) => Buffer.from(new Uint32Array([w]).buffer).readUInt32BE(0))
        .map((w) => w.toString(16).toUpperCase().padStart(8, "0"))
        .join("");
      const expected = new URL(`http://[${groups.map((g) => g.toString(16)).join(":")}]/`).hostname;
      expect(parseNetTable(`header\n${v6Line(hex, 7)}`, "tcp6")[0]?.address).toBe(
        expected.slice(1, -1),
      );
    }
  });

  it("keeps bound, unconnected UDP sockets and drops connected ones", () => {
    expect(parseNetTable(UDP, "udp")).toEqual([
      { proto: "udp", address: "0.0.0.0", port: 41347, inode: 2162863 },
    ]);
    expect(parseNetTable(UDP6, "udp6")).toEqual([
      { proto: "udp6", address: "::1", port: 54071, inode: 2162865 },
    ]);
  });

  it("reads TCP's LISTEN state only as TCP and UDP's 07 only as UDP", () => {
    expect(parseNetTable(UDP, "tcp")).toEqual([]);
    expect(parseNetTable(TCP, "udp")).toEqual([]);
  });

  it("skips malformed lines and never throws", () => {
    const good = TCP.split("\n")[1] as string;
    const text = [
      "header",
      "",
      "garbage",
      "   0: 0100007F:E8BB 00000000:0000 0A", // cut short
      "   1: 0100007ZZ:E8BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5 1", // bad hex
      "   2: 0100007F E8BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5 1 x", // no colon
      "   3: 0100007F:E8BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 x 1", // bad inode
      "   4: 01007F:E8BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 7 1", // short address
      good,
    ].join("\n");
    expect(parseNetTable(text, "tcp")).toEqual([
      { proto: "tcp", address: "127.0.0.1", port: 59579, inode: 2162860 },
    ]);
    expect(parseNetTable("", "tcp")).toEqual([]);
    expect(parseNetTable("\0\0\n\u00ff", "udp6")).toEqual([]);
  });
});

const fixtures: ProcFixture[] = [];
afterEach(() => fixtures.splice(0).forEach((f) => f.cleanup()));

/** A fixture /proc with net tables; processes whose fds point at the given targets. */
function tree(net: Partial<Record<Listener["proto"], string>> = { tcp: TCP, udp: UDP }) {
  const f = new ProcFixture(1_000_000);
  fixtures.push(f);
  mkdirSync(join(f.root, "net"));
  for (const [proto, text] of Object.entries(net)) writeFileSync(join(f.root, "net", proto), text);
  f.add({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, startTicks: 1 });
  return f;
}
function withFds(f: ProcFixture, pid: number, targets: string[]): void {
  const dir = join(f.root, String(pid), "fd");
  mkdirSync(dir);
  targets.forEach((target, i) => symlinkSync(target, join(dir, String(i + 3))));
}

const ROOT_RUN: Actor = { uid: 0, mayKillAnyUser: true };
const PORT_RULE = `rules: [{ name: r, match: { comm: server, listening_port: 59579 }, action: report }]`;

function scan(f: ProcFixture, rulesYaml: string) {
  return readProcessTable({
    procRoot: f.root,
    selfPid: 424242,
    now: () => 1_700_000_000_000,
    ...scanNeeds(config(rulesYaml), ROOT_RUN),
  });
}

describe("readListenerTable and readSocketInodes on a fixture /proc", () => {
  it("reads the tables present (no IPv6 here) and throws when there are none", () => {
    const f = tree();
    expect(readListenerTable(f.root).map((l) => `${l.proto} ${l.port}`)).toEqual([
      "tcp 59579",
      "tcp 2024",
      "udp 41347",
    ]);
    const bare = new ProcFixture();
    fixtures.push(bare);
    expect(() => readListenerTable(bare.root)).toThrow(/no socket tables/);
  });

  it("keeps socket:[N] targets only; null when the fd directory is missing", () => {
    const f = tree().add({ pid: 100, ppid: 1, comm: "server", argv: ["server"] });
    withFds(f, 100, [
      "/dev/null",
      "socket:[2162860]",
      "pipe:[77]",
      "socket:[5]",
      "anon_inode:[eventfd]",
    ]);
    expect(readSocketInodes(f.root, 100)).toEqual([2162860, 5]);
    expect(readSocketInodes(f.root, 101)).toBeNull();
  });
});

describe("readProcessTable with wantListeners", () => {
  it("sets listening from the fds of each detailed process, shared sockets for each holder", () => {
    const f = tree()
      .add({ pid: 100, ppid: 1, comm: "server", argv: ["server"] })
      .add({ pid: 101, ppid: 100, comm: "server", argv: ["server", "--worker"] })
      .add({ pid: 102, ppid: 1, comm: "server", argv: ["server"] })
      .add({ pid: 103, ppid: 1, comm: "other", argv: ["other"] });
    // The same listen socket twice (dup'ed), a UDP socket, a connected TCP socket (not listed).
    withFds(f, 100, [
      "socket:[41347]",
      "socket:[2162863]",
      "socket:[1668]",
      "socket:[2162867]",
      "socket:[1668]",
    ]);
    // A forked worker inheriting the listen socket holds it too.
    withFds(f, 101, ["socket:[1668]"]);
    withFds(f, 102, ["/dev/null"]);
    withFds(f, 103, ["socket:[2162860]"]);
    const snap = scan(f, PORT_RULE);
    const byPid = new Map(snap.processes.map((p) => [p.pid, p]));
    expect(byPid.get(100)!.listening).toEqual([
      { proto: "tcp", address: "0.0.0.0", port: 2024, inode: 1668 },
      { proto: "udp", address: "0.0.0.0", port: 41347, inode: 2162863 },
    ]);
    expect(byPid.get(101)!.listening).toEqual([
      { proto: "tcp", address: "0.0.0.0", port: 2024, inode: 1668 },
    ]);
    expect(byPid.get(102)!.listening).toEqual([]);
    // comm "other" fails the rule's comm list: not read in detail, so nothing is known.
    expect(byPid.get(103)!.argv).toBeNull();
    expect(byPid.get(103)!).not.toHaveProperty("listening");
    expect(snap.listeners?.map((l) => l.inode)).toEqual([2162860, 1668, 2162863]);
  });

  it("leaves listening absent when the fd directory cannot be read", () => {
    const f = tree()
      .add({ pid: 100, ppid: 1, comm: "server", argv: ["server"] })
      .add({ pid: 101, ppid: 1, comm: "server", argv: ["server"] });
    // 100 has no fd directory; 101's "fd" is not a directory (ENOTDIR).
    writeFileSync(join(f.root, "101", "fd"), "");
    const snap = scan(f, PORT_RULE);
    for (const p of snap.processes.filter((p) => p.pid >= 100)) {
      expect(p.argv).not.toBeNull();
      expect(p).not.toHaveProperty("listening");
    }
  });

  it.skipIf(process.getuid?.() === 0)(
    "leaves listening absent when fd is EACCES (not root)",
    () => {
      const f = tree().add({ pid: 100, ppid: 1, comm: "server", argv: ["server"] });
      withFds(f, 100, ["socket:[1668]"]);
      const fd = join(f.root, "100", "fd");
      chmodSync(fd, 0o000);
      try {
        expect(scan(f, PORT_RULE).processes.find((p) => p.pid === 100)).not.toHaveProperty(
          "listening",
        );
      } finally {
        chmodSync(fd, 0o700);
      }
    },
  );

  it("leaves listening absent everywhere when the tables cannot be read", () => {
    const bare = new ProcFixture();
    fixtures.push(bare);
    bare.add({ pid: 100, ppid: 1, comm: "server", argv: ["server"] });
    withFds(bare, 100, ["socket:[1668]"]);
    const snap = scan(bare, PORT_RULE);
    expect(snap.processes.find((p) => p.pid === 100)).not.toHaveProperty("listening");
    expect(snap).not.toHaveProperty("listeners");
    expect(snap.listenersProblem).toBe(`no socket tables under ${bare.root}/net`);
  });

  it("reads nothing of sockets without a listening_port matcher", () => {
    const f = tree().add({ pid: 100, ppid: 1, comm: "server", argv: ["server"] });
    withFds(f, 100, ["socket:[1668]"]);
    const snap = scan(f, `rules: [{ name: r, match: { comm: server }, action: report }]`);
    expect(snap.processes.find((p) => p.pid === 100)).not.toHaveProperty("listening");
    expect(snap).not.toHaveProperty("listeners");
    expect(snap).not.toHaveProperty("listenersProblem");
  });
});

const OWN_NS = "net:[4026531840]";
/** Gives the fixture an agent's namespace link (self/ns/net) and the processes theirs. */
function withNamespaces(f: ProcFixture, links: Record<number, string>): void {
  mkdirSync(join(f.root, "self", "ns"), { recursive: true });
  symlinkSync(OWN_NS, join(f.root, "self", "ns", "net"));
  for (const [pid, target] of Object.entries(links)) {
    mkdirSync(join(f.root, pid, "ns"));
    symlinkSync(target, join(f.root, pid, "ns", "net"));
  }
}

describe("readProcessTable with wantListeners: network namespaces", () => {
  it("lists the sockets of a process in the agent's namespace", () => {
    const f = tree().add({ pid: 100, ppid: 1, comm: "server", argv: ["server"] });
    withFds(f, 100, ["socket:[2162860]"]);
    withNamespaces(f, { 100: OWN_NS });
    const p = scan(f, PORT_RULE).processes.find((q) => q.pid === 100)!;
    expect(p.listening).toEqual([
      { proto: "tcp", address: "127.0.0.1", port: 59579, inode: 2162860 },
    ]);
  });

  it("leaves listening absent in another namespace or an unreadable one; protect then holds", () => {
    const f = tree()
      .add({ pid: 100, ppid: 1, comm: "server", argv: ["server"] })
      .add({ pid: 101, ppid: 1, comm: "server", argv: ["server"] });
    // Their sockets are in their own namespace's tables, not in these: no fd matches here.
    withFds(f, 100, ["socket:[999]"]);
    withFds(f, 101, ["socket:[999]"]);
    withNamespaces(f, { 100: "net:[4026532999]" }); // 101 has no ns/net link
    const snap = scan(f, PORT_RULE);
    const byPid = new Map(snap.processes.map((p) => [p.pid, p]));
    for (const pid of [100, 101]) {
      expect(byPid.get(pid)!.argv).not.toBeNull();
      expect(byPid.get(pid)).not.toHaveProperty("listening");
    }
    const protect = config(`
protect: [{ listening_port: 8080 }]
rules: [{ name: r, match: { comm: x }, action: report }]`).protect;
    const protection = buildProtection(424242, protect, (pid) => byPid.get(pid));
    for (const pid of [100, 101]) {
      expect(protection.reason(byPid.get(pid)!)).toBe(
        "protect[0] cannot be checked (listening sockets unreadable)",
      );
    }
  });

  it("does not check namespaces when the agent's own link cannot be read", () => {
    // tree() has no self/ns/net, and the process no ns/net: read as before.
    const f = tree().add({ pid: 100, ppid: 1, comm: "server", argv: ["server"] });
    withFds(f, 100, ["socket:[1668]"]);
    const p = scan(f, PORT_RULE).processes.find((q) => q.pid === 100)!;
    expect(p.listening?.map((l) => l.port)).toEqual([2024]);
  });
});

describe("readProcessTable with wantListeners: empty tables", () => {
  const EMPTY = { tcp: TCP.split("\n")[0]! };

  it("lists nothing for a process whose fds are readable", () => {
    const f = tree(EMPTY).add({ pid: 100, ppid: 1, comm: "server", argv: ["server"] });
    withFds(f, 100, ["socket:[1668]"]);
    const snap = scan(f, PORT_RULE);
    expect(snap.listeners).toEqual([]);
    expect(snap.processes.find((p) => p.pid === 100)!.listening).toEqual([]);
  });

  it("leaves listening absent when the fd directory cannot be read", () => {
    const f = tree(EMPTY).add({ pid: 100, ppid: 1, comm: "server", argv: ["server"] });
    const snap = scan(f, PORT_RULE);
    expect(snap.listeners).toEqual([]);
    expect(snap.processes.find((p) => p.pid === 100)).not.toHaveProperty("listening");
  });
});

describe("scanNeeds with listening_port and services", () => {
  it("wants listeners when a rule, protect entry or service names a port", () => {
    const want = (yaml: string) => scanNeeds(config(yaml), ROOT_RUN).wantListeners;
    expect(want(`rules: [{ name: r, match: { comm: x }, action: report }]`)).toBe(false);
    expect(want(PORT_RULE)).toBe(true);
    expect(
      want(`
protect: [{ listening_port: 22 }]
rules: [{ name: r, match: { comm: x }, action: report }]`),
    ).toBe(true);
    expect(
      want(`
services: [{ name: s, match: { cmdline: 'srv', listening_port: '9000-9100' } }]
rules: [{ name: r, match: { comm: x }, action: report }]`),
    ).toBe(true);
  });

  it("counts services' selectors for exe, parent and status too", () => {
    const needs = scanNeeds(
      config(`
services: [{ name: s, match: { exe: '/srv/bin/app', parent: 'sup', user: app } }]
rules: [{ name: r, match: { comm: x }, action: report }]`),
      ROOT_RUN,
    );
    expect(needs).toMatchObject({ wantExe: true, wantParentDetail: true, wantStatus: true });
  });

  it("reads in detail possible service instances (by comm) and the pids given", () => {
    const yaml = `
services: [{ name: s, match: { comm: srv, cmdline: 'srv --serve' } }]
rules: [{ name: r, match: { comm: x }, action: report }]`;
    const processes = [
      proc({ pid: 10, comm: "srv", argv: null }),
      proc({ pid: 11, comm: "other", argv: null }),
      proc({ pid: 12, comm: "pidfile", argv: null }),
      proc({ pid: 13, comm: "x", argv: null }),
    ];
    const filter = scanNeeds(config(yaml), ROOT_RUN, new Set([12])).detailFilter(processes);
    expect(processes.filter(filter).map((p) => p.pid)).toEqual([10, 12, 13]);
    const plain = scanNeeds(config(yaml), ROOT_RUN).detailFilter(processes);
    expect(processes.filter(plain).map((p) => p.pid)).toEqual([10, 13]);
  });
});

const L = (proto: Listener["proto"], address: string, port: number, inode = port): Listener => ({
  proto,
  address,
  port,
  inode,
});
function ports(spec: string): Selector {
  const rule = config(`rules: [{ name: r, match: { listening_port: ${spec} }, action: report }]`)
    .rules[0]!;
  return rule.selector;
}
const none = () => undefined;

describe("matchSelector listening_port", () => {
  const server = proc({
    pid: 100,
    listening: [L("tcp", "127.0.0.1", 9091), L("tcp6", "::1", 9091, 2), L("udp", "0.0.0.0", 5353)],
  });

  it("matches a single port, naming the first listener and how many more", () => {
    expect(matchSelector(ports("9091"), server, none)).toEqual([
      "listening on tcp 127.0.0.1:9091 (+1 more)",
    ]);
    expect(matchSelector(ports("5353"), server, none)).toEqual(["listening on udp 0.0.0.0:5353"]);
    expect(matchSelector(ports("9090"), server, none)).toBeNull();
  });

  it("matches a range, inclusive at both ends", () => {
    expect(matchSelector(ports("'9000-9091'"), server, none)).not.toBeNull();
    expect(matchSelector(ports("'5353-6000'"), server, none)).toEqual([
      "listening on udp 0.0.0.0:5353",
    ]);
    expect(matchSelector(ports("'9092-9100'"), server, none)).toBeNull();
  });

  it("matches a list of ports and ranges", () => {
    expect(matchSelector(ports("[80, '8000-8080', 5353]"), server, none)).toEqual([
      "listening on udp 0.0.0.0:5353",
    ]);
    expect(matchSelector(ports("[80, 443]"), server, none)).toBeNull();
    const v6 = proc({ pid: 101, listening: [L("tcp6", "::", 443)] });
    expect(matchSelector(ports("[80, 443]"), v6, none)).toEqual(["listening on tcp6 [::]:443"]);
  });

  it("does not match when the sockets are unknown or none listens", () => {
    expect(matchSelector(ports("9091"), proc({ pid: 102 }), none)).toBeNull();
    expect(matchSelector(ports("9091"), proc({ pid: 103, listening: [] }), none)).toBeNull();
  });

  it("combines with the other matchers", () => {
    const selector = { ...ports("9091"), comm: ["python3"] };
    expect(matchSelector(selector, server, none)).toEqual([
      "comm is python3",
      "listening on tcp 127.0.0.1:9091 (+1 more)",
    ]);
    expect(matchSelector({ ...selector, comm: ["nginx"] }, server, none)).toBeNull();
  });
});

describe("protect with listening_port", () => {
  const protect = config(`
protect: [{ listening_port: [22, '9000-9100'] }]
rules: [{ name: r, match: { comm: x }, action: report }]`).protect;
  const reason = (p: ProcessInfo) => buildProtection(999_999, protect, none).reason(p);

  it("protects a process listening on a listed port", () => {
    expect(reason(proc({ pid: 100, listening: [L("tcp", "0.0.0.0", 9091)] }))).toBe(
      "listed in protect[0]",
    );
  });

  it("fails closed when the process's sockets could not be read", () => {
    expect(reason(proc({ pid: 100 }))).toBe(
      "protect[0] cannot be checked (listening sockets unreadable)",
    );
  });

  it("does not protect a process known to listen elsewhere, or nowhere", () => {
    expect(reason(proc({ pid: 100, listening: [L("tcp", "0.0.0.0", 8080)] }))).toBeNull();
    expect(reason(proc({ pid: 100, listening: [] }))).toBeNull();
  });
});
