// The listening_port selector, both halves: ports and ranges → match on the process's sockets,
// protect (fail closed: another user's fds unreadable), explain.
import { describe, expect, it } from "vitest";
import { listeningPort } from "../../../../src/rules/selectors/listening-port.js";
import type { Listener } from "../../../../src/scan/types.js";
import { proc } from "../../../helpers/fixtures.js";
import { judge, problems, selector } from "./harness.js";

const tcp = (port: number, address = "127.0.0.1"): Listener => ({
  proto: address.includes(":") ? "tcp6" : "tcp",
  address,
  port,
  inode: 7000 + port,
});

describe("listening_port selector", () => {
  it.each([
    ["listening_port: 9091", [{ from: 9091, to: 9091 }]],
    ["listening_port: '9000-9100'", [{ from: 9000, to: 9100 }]],
    [
      "listening_port: [80, ' 8000 - 8080 ']",
      [
        { from: 80, to: 80 },
        { from: 8000, to: 8080 },
      ],
    ],
  ])("normalises %s to ranges", (yaml, ranges) => {
    expect(selector(yaml)).toEqual({ listeningPort: ranges });
  });

  it.each([
    ["listening_port: 9091", [tcp(9091)], "listening on tcp 127.0.0.1:9091"],
    ["listening_port: 9091", [tcp(9091, "::")], "listening on tcp6 [::]:9091"],
    [
      "listening_port: '9000-9100'",
      [tcp(9001), tcp(9002)],
      "listening on tcp 127.0.0.1:9001 (+1 more)",
    ],
    ["listening_port: [22, 9091]", [tcp(8080), tcp(9091)], "listening on tcp 127.0.0.1:9091"],
  ])("%s matches %j", (yaml, listening, fact) => {
    const j = judge(selector(yaml), proc({ pid: 100, listening }));
    expect(j.facts).toEqual([fact]);
    expect(j.protect).toBe("listed in protect[0]");
  });

  it.each([
    ["listening_port: 9091", [], "listens on no port (rule: 9091)"],
    [
      "listening_port: [9091, '9000-9010']",
      [tcp(8080)],
      "listens on tcp 8080, not 9091, 9000-9010",
    ],
  ])("%s misses %j", (yaml, listening, words) => {
    const j = judge(selector(yaml), proc({ pid: 100, listening }));
    expect(j).toMatchObject({
      facts: null,
      why: "mismatch",
      words,
      protect: null,
      entry: "no-match",
    });
  });

  it.each([["listening_port: 9091"], ["listening_port: '1-65535'"]])(
    "%s on a process whose sockets are unreadable: unknown, protect holds",
    (yaml) => {
      const j = judge(selector(yaml), proc({ pid: 100 }));
      expect(j).toMatchObject({
        facts: null,
        why: "unknown",
        words: "listening sockets unreadable",
        protect: "protect[0] cannot be checked (listening sockets unreadable)",
        entry: "cannot-check",
      });
    },
  );

  it("needs the socket tables, and has no stat-only test", () => {
    expect(listeningPort.needs).toEqual(["wantListeners"]);
    expect(listeningPort.beforeDetail).toBeUndefined();
  });

  it("is not enough for a kill rule alone", () => {
    const yaml = "rules:\n  - name: r\n    action: kill\n    match:\n      listening_port: 9091\n";
    expect(problems(yaml)).toEqual([
      "rules.yaml:5:23 rules[0].match.listening_port: a port says where a process listens, not which program it is, so a kill rule needs more (got 9091, expected also one of cmdline, comm, exe, user, parent, cgroup, unit)",
    ]);
  });
});
