// A real python3 holding listening sockets, scanned on the real /proc. The process runs from the
// scene's token-named interpreter (its argv carries the token); the scene SIGKILLs it and its
// forked child by pid (and start time) in afterAll, and both also exit when their stdin closes.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Selector } from "../../src/config/types.js";
import { matchSelector } from "../../src/rules/match.js";
import { readNetNamespace } from "../../src/scan/listeners.js";
import type { Listener, ProcessInfo, Snapshot } from "../../src/scan/types.js";
import { Scene, scanPids, waitFor } from "../helpers/scene.js";
import { stopChild } from "../helpers/stop-child.js";

// Listens on TCP 127.0.0.1 and ::1 (if IPv6 loopback works), binds UDP 127.0.0.1, forks a
// child that inherits all three, prints the ports and "ready", and exits when stdin closes
// (the child when its parent is gone).
const SERVER = `
import json, os, socket, sys, time
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.bind(("127.0.0.1", 0)); tcp.listen()
tcp6 = None
try:
    tcp6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    tcp6.bind(("::1", 0)); tcp6.listen()
except OSError:
    tcp6 = None
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
parent = os.getpid()
child = os.fork()
if child == 0:
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)
print(json.dumps({"tcp": tcp.getsockname()[1], "tcp6": tcp6.getsockname()[1] if tcp6 else None,
                  "udp": udp.getsockname()[1], "child": child}))
print("ready", flush=True)
sys.stdin.read()
`;

interface Ports {
  tcp: number;
  tcp6: number | null;
  udp: number;
  child: number;
}

let scene: Scene;
let server: ChildProcess | undefined;
let ports: Ports;
let snap: Snapshot;

beforeAll(async () => {
  scene = new Scene();
  server = spawn(scene.python, ["-c", SERVER, scene.token], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  scene.own(server.pid!);
  let out = "";
  server.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  await waitFor("the server to be ready", () => /^ready$/m.test(out) || server!.exitCode !== null);
  ports = JSON.parse(out.split("\n")[0]!) as Ports;
  scene.own(ports.child);
  const ours = new Set([server.pid!, ports.child]);
  snap = scanPids(ours, { wantListeners: true });
});

afterAll(async () => {
  try {
    server?.stdin?.end();
    await stopChild(server);
  } finally {
    scene?.cleanup();
  }
});

const find = (pid: number): ProcessInfo => {
  const p = snap.processes.find((q) => q.pid === pid);
  if (!p) throw new Error(`pid ${pid} not in the scan`);
  return p;
};

function expected(): Omit<Listener, "inode">[] {
  return [
    { proto: "tcp", address: "127.0.0.1", port: ports.tcp },
    ...(ports.tcp6 !== null ? [{ proto: "tcp6" as const, address: "::1", port: ports.tcp6 }] : []),
    { proto: "udp", address: "127.0.0.1", port: ports.udp },
  ];
}
const strip = (listening: Listener[] | undefined) =>
  listening?.map(({ proto, address, port }) => ({ proto, address, port }));

describe("listening sockets of a real process", () => {
  it("lists its TCP (IPv4 and IPv6 loopback) and UDP sockets", () => {
    const p = find(server!.pid!);
    expect(p.argv).toContain(scene.token);
    expect(strip(p.listening)).toEqual(expected());
    for (const l of p.listening!) expect(l.inode).toBeGreaterThan(0);
    if (ports.tcp6 === null) console.warn("IPv6 loopback unavailable: tcp6 not checked");
  });

  it("lists the inherited sockets for a forked child too", () => {
    const child = find(ports.child);
    expect(child.ppid).toBe(server!.pid);
    expect(child.listening).toEqual(find(server!.pid!).listening);
  });

  it("puts them in the snapshot's table, and listening_port matches on them", () => {
    for (const l of find(server!.pid!).listening!) expect(snap.listeners).toContainEqual(l);
    const selector: Selector = { listeningPort: [{ from: ports.udp, to: ports.udp }] };
    expect(matchSelector(selector, find(server!.pid!), () => undefined)).toEqual([
      `listening on udp 127.0.0.1:${ports.udp}`,
    ]);
  });

  it("reads the namespaces on the real /proc: the server shares the agent's", () => {
    const own = readNetNamespace("/proc", "self");
    expect(own).toMatch(/^net:\[\d+\]$/);
    expect(readNetNamespace("/proc", server!.pid!)).toBe(own);
    expect(snap).not.toHaveProperty("listenersProblem");
  });

  it("reads no fds of processes not read in detail", () => {
    const others = snap.processes.filter((p) => p.argv === null);
    expect(others.length).toBeGreaterThan(0);
    for (const p of others) expect(p).not.toHaveProperty("listening");
  });
});
