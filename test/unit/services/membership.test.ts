// Which services a process belongs to, for `cleanup explain`: an instance, a process inside one
// (a forked copy or a child), or only named by a PID file.
import { describe, expect, it } from "vitest";
import type { PidFileRead } from "../../../src/scan/pid-files.js";
import { memberships } from "../../../src/services/membership.js";
import type { ProcessInfo } from "../../../src/scan/types.js";
import { config, proc } from "../../helpers/fixtures.js";

const SERVICES = config(`
rules: []
services:
  - name: web
    match: { cmdline: 'gunicorn app' }
`).services;

const init = proc({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"] });
const master = proc({ pid: 10, ppid: 1, argv: ["gunicorn", "app"] });
const copy = proc({ pid: 11, ppid: 10, argv: ["gunicorn", "app"] });
const helper = proc({ pid: 12, ppid: 11, comm: "sh", argv: ["sh", "-c", "true"] });
const stranger = proc({ pid: 20, ppid: 1, argv: ["python3", "other.py"] });
const all = [init, master, copy, helper, stranger];
const byPid = new Map(all.map((p) => [p.pid, p]));
const lookup = (pid: number): ProcessInfo | undefined => byPid.get(pid);

function pidFile(path: string, pid: number): PidFileRead {
  return { path, pid, problem: null, mtimeMs: 0, dev: 1, ino: 1, size: 3, content: `${pid}\n` };
}

describe("memberships", () => {
  it("an instance, its forked copy and a child inside it; a stranger in none", () => {
    const none = new Map<string, PidFileRead[]>();
    expect(memberships(master, SERVICES, lookup, none)).toEqual([
      { service: "web", role: "instance", instance: 10, pidFiles: [] },
    ]);
    expect(memberships(copy, SERVICES, lookup, none)).toEqual([
      { service: "web", role: "member", instance: 10, pidFiles: [] },
    ]);
    expect(memberships(helper, SERVICES, lookup, none)).toEqual([
      { service: "web", role: "member", instance: 10, pidFiles: [] },
    ]);
    expect(memberships(stranger, SERVICES, lookup, none)).toEqual([]);
  });

  it("the PID files that name it, and a process named only by one", () => {
    const files = new Map([["web", [pidFile("/run/web.pid", 10), pidFile("/run/old.pid", 20)]]]);
    expect(memberships(master, SERVICES, lookup, files)[0]!.pidFiles).toEqual(["/run/web.pid"]);
    expect(memberships(stranger, SERVICES, lookup, files)).toEqual([
      { service: "web", role: "pid-file", instance: null, pidFiles: ["/run/old.pid"] },
    ]);
  });
});
