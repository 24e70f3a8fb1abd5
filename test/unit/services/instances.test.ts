// What an instance of a service is (src/services/instances.ts): forked copies, the instance root,
// the service's instances, an instance's launchers, and which pids name it. Hand-built snapshots;
// sids as a real system sets them (a shell's children share its session, setsid starts a new one).
import { describe, expect, it } from "vitest";
import type { Service } from "../../../src/config/types.js";
import type { Lookup } from "../../../src/rules/match.js";
import type { ProcessInfo, Snapshot } from "../../../src/scan/types.js";
import {
  forkedCopy,
  instanceRoot,
  launchers,
  namesInstance,
  serviceInstances,
} from "../../../src/services/instances.js";
import { config, proc, snapshot } from "../../helpers/fixtures.js";

const WORKER = ["python3", "worker.py"];
const GUNICORN = ["/srv/venv/bin/python3", "/srv/venv/bin/gunicorn", "app:wsgi", "-w", "2"];

function service(match = "{ cmdline: '\\bworker\\.py\\b' }"): Service {
  return config(`rules: []\nservices:\n  - name: worker\n    match: ${match}\n`).services[0]!;
}

function lookupOf(s: Snapshot): Lookup {
  const byPid = new Map(s.processes.map((p) => [p.pid, p]));
  return (pid) => byPid.get(pid);
}

const pids = (ps: readonly ProcessInfo[]): number[] => ps.map((p) => p.pid);

const init = proc({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, user: "root" });

describe("forkedCopy", () => {
  const parent = proc({ pid: 100, argv: WORKER, exe: "/usr/bin/python3.12" });

  it("the same argv, and the same executable where both are known", () => {
    expect(
      forkedCopy(proc({ pid: 101, ppid: 100, argv: [...WORKER], exe: parent.exe }), parent),
    ).toBe(true);
    // An unknown exe (not readable) on either side does not tell them apart.
    expect(forkedCopy(proc({ pid: 101, ppid: 100, argv: WORKER, exe: null }), parent)).toBe(true);
    expect(forkedCopy(proc({ pid: 101, argv: WORKER, exe: "/x" }), { ...parent, exe: null })).toBe(
      true,
    );
  });

  it("not with another executable, other or more arguments, or an unread argv", () => {
    expect(forkedCopy(proc({ pid: 101, argv: WORKER, exe: "/usr/bin/python3.11" }), parent)).toBe(
      false,
    );
    expect(forkedCopy(proc({ pid: 101, argv: ["python3", "other.py"] }), parent)).toBe(false);
    expect(forkedCopy(proc({ pid: 101, argv: [...WORKER, "--port", "8001"] }), parent)).toBe(false);
    expect(forkedCopy(proc({ pid: 101, argv: ["python3"] }), parent)).toBe(false);
    expect(forkedCopy(proc({ pid: 101, argv: null }), parent)).toBe(false);
    expect(forkedCopy(proc({ pid: 101, argv: WORKER }), { ...parent, argv: null })).toBe(false);
  });
});

describe("instanceRoot and serviceInstances", () => {
  it("a pre-fork server's forked children (and theirs) are the instance", () => {
    const gunicorn = service("{ cmdline: 'gunicorn app:wsgi' }");
    const s = snapshot([
      init,
      proc({ pid: 100, ppid: 1, argv: GUNICORN, exe: "/usr/bin/python3.12" }),
      proc({ pid: 101, ppid: 100, sid: 100, argv: GUNICORN, exe: "/usr/bin/python3.12" }),
      proc({ pid: 102, ppid: 100, sid: 100, argv: GUNICORN, exe: null }),
      proc({ pid: 103, ppid: 101, sid: 100, argv: GUNICORN, exe: "/usr/bin/python3.12" }),
    ]);
    const lookup = lookupOf(s);
    for (const pid of [100, 101, 102, 103])
      expect(instanceRoot(lookup(pid)!, gunicorn, lookup)?.pid, String(pid)).toBe(100);
    expect(pids(serviceInstances(gunicorn, s, lookup))).toEqual([100]);
  });

  it("a tmux server carrying the command in its argv is not the instance", () => {
    const s = snapshot([
      init,
      proc({
        pid: 400,
        ppid: 1,
        comm: "tmux: server",
        argv: ["tmux", "new-session", "-d", "-s", "w", "python3 worker.py"],
      }),
      // tmux makes each pane a session of its own.
      proc({ pid: 401, ppid: 400, argv: WORKER }),
      proc({ pid: 402, ppid: 401, sid: 401, argv: WORKER }),
    ]);
    const lookup = lookupOf(s);
    expect(instanceRoot(lookup(401)!, service(), lookup)?.pid).toBe(401);
    expect(instanceRoot(lookup(402)!, service(), lookup)?.pid).toBe(401);
    // The server matches by its own argv: an instance of its own, never folded into the worker.
    expect(instanceRoot(lookup(400)!, service(), lookup)?.pid).toBe(400);
    expect(pids(serviceInstances(service(), s, lookup))).toEqual([400, 401]);
  });

  it("a restart-loop wrapper (bash -c 'while :; do python3 worker.py; done') is not the instance", () => {
    const loop = ["bash", "-c", "while :; do python3 worker.py; done"];
    const s = snapshot([
      init,
      proc({ pid: 500, ppid: 1, comm: "bash", argv: loop }),
      proc({ pid: 501, ppid: 500, sid: 500, argv: WORKER }),
      // The loop's own subshell is a forked copy of the loop: part of the loop, not of the worker.
      proc({ pid: 502, ppid: 500, sid: 500, comm: "bash", argv: loop }),
    ]);
    const lookup = lookupOf(s);
    expect(instanceRoot(lookup(501)!, service(), lookup)?.pid).toBe(501);
    expect(instanceRoot(lookup(502)!, service(), lookup)?.pid).toBe(500);
    expect(pids(serviceInstances(service(), s, lookup))).toEqual([500, 501]);
  });

  it("a matching parent with another executable or argv is no part of it", () => {
    const s = snapshot([
      init,
      proc({ pid: 600, ppid: 1, argv: WORKER, exe: "/usr/bin/python3.11" }),
      proc({ pid: 601, ppid: 600, sid: 600, argv: WORKER, exe: "/usr/bin/python3.12" }),
      proc({ pid: 602, ppid: 600, sid: 600, argv: [...WORKER, "--child"] }),
    ]);
    const lookup = lookupOf(s);
    expect(instanceRoot(lookup(601)!, service(), lookup)?.pid).toBe(601);
    expect(instanceRoot(lookup(602)!, service(), lookup)?.pid).toBe(602);
    expect(pids(serviceInstances(service(), s, lookup))).toEqual([600, 601, 602]);
  });

  it("null for what the service does not select: another program, a zombie, a kernel thread, pid 1", () => {
    const s = snapshot([
      proc({ pid: 1, ppid: 0, argv: WORKER }),
      proc({ pid: 10, ppid: 1, argv: WORKER }),
      proc({ pid: 11, ppid: 1, comm: "less", argv: ["less", "app.log"] }),
      proc({ pid: 12, ppid: 10, state: "Z", argv: WORKER }),
      proc({ pid: 13, ppid: 2, kernelThread: true, argv: WORKER }),
      proc({ pid: 14, ppid: 1, argv: null }),
    ]);
    const lookup = lookupOf(s);
    for (const pid of [1, 11, 12, 13, 14])
      expect(instanceRoot(lookup(pid)!, service(), lookup), String(pid)).toBeNull();
    // PID 1 (a container's entry point) is never folded in either.
    expect(instanceRoot(lookup(10)!, service(), lookup)?.pid).toBe(10);
    expect(pids(serviceInstances(service(), s, lookup))).toEqual([10]);
  });

  it("a parent loop (a broken snapshot) does not hang", () => {
    const s = snapshot([
      proc({ pid: 700, ppid: 701, argv: WORKER }),
      proc({ pid: 701, ppid: 700, argv: WORKER }),
    ]);
    const lookup = lookupOf(s);
    expect(instanceRoot(lookup(700)!, service(), lookup)?.pid).toBe(701);
    expect(instanceRoot(lookup(701)!, service(), lookup)?.pid).toBe(700);
  });
});

describe("launchers and namesInstance", () => {
  // sshd → the login shell (a session leader) → start.sh → the worker, its forked copy and a
  // helper; a redis the worker started with setsid; elsewhere a daemon that is its own session
  // leader, one reparented to PID 1 without setsid, and one started by `setsid start.sh`.
  const processes = [
    init,
    proc({ pid: 100, ppid: 1, comm: "sshd", argv: ["sshd: /usr/sbin/sshd -D"], uid: 0 }),
    proc({ pid: 110, ppid: 100, sid: 100, comm: "sshd", argv: ["sshd: alice [priv]"], uid: 0 }),
    proc({ pid: 120, ppid: 110, comm: "bash", argv: ["-bash"] }),
    proc({ pid: 150, ppid: 120, sid: 120, comm: "bash", argv: ["bash", "start.sh"] }),
    proc({ pid: 200, ppid: 150, sid: 120, argv: WORKER }),
    proc({ pid: 201, ppid: 200, sid: 120, argv: WORKER }),
    proc({ pid: 202, ppid: 200, sid: 120, comm: "sh", argv: ["sh", "-c", "x"] }),
    proc({ pid: 250, ppid: 200, comm: "redis-server", argv: ["redis-server", "*:6379"] }),
    proc({ pid: 300, ppid: 1, argv: WORKER }),
    proc({ pid: 310, ppid: 1, sid: 120, argv: WORKER }),
    proc({ pid: 400, ppid: 1, comm: "setsid", argv: ["bash", "start.sh"] }),
    proc({ pid: 401, ppid: 400, sid: 400, argv: WORKER }),
  ];
  const s = snapshot(processes);
  const lookup = lookupOf(s);
  const at = (pid: number): ProcessInfo => lookup(pid)!;

  it("the ancestors below PID 1 up to and including the first session leader", () => {
    expect(pids(serviceInstances(service(), s, lookup))).toEqual([200, 300, 310, 401]);
    expect(pids(launchers(at(200), lookup))).toEqual([150, 120]);
    expect(pids(launchers(at(401), lookup))).toEqual([400]);
  });

  it("none for an instance that is a session leader itself, or whose parent is PID 1", () => {
    expect(launchers(at(300), lookup)).toEqual([]);
    // Reparented to PID 1 while its session (the login shell 120) lives on.
    expect(launchers(at(310), lookup)).toEqual([]);
  });

  it("names it: the instance, any process below it, a launcher", () => {
    for (const pid of [200, 201, 202, 250, 150, 120])
      expect(namesInstance(pid, at(200), lookup), String(pid)).toBe(true);
    expect(namesInstance(400, at(401), lookup)).toBe(true);
  });

  it("a PID file naming sshd above a login shell does not name the instance", () => {
    expect(namesInstance(110, at(200), lookup)).toBe(false);
    expect(namesInstance(100, at(200), lookup)).toBe(false);
  });

  it("nor PID 1, another instance, or a pid not running", () => {
    for (const pid of [1, 300, 310, 401, 400, 4242])
      expect(namesInstance(pid, at(200), lookup), String(pid)).toBe(false);
    // The login shell is no launcher of a process reparented to PID 1.
    expect(namesInstance(120, at(310), lookup)).toBe(false);
  });
});
