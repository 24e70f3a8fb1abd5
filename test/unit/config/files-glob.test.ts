import { describe, expect, it } from "vitest";
import { PID_MAX, parsePathGlob, type PathGlob } from "../../../src/config/files/path-glob.js";

function glob(text: string): PathGlob {
  const parsed = parsePathGlob(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.glob;
}

function problem(text: string): string {
  const parsed = parsePathGlob(text);
  if (parsed.ok) throw new Error(`accepted ${text}`);
  return parsed.problem;
}

describe("parsePathGlob: what a path may be", () => {
  it("splits a valid glob into its literal directory and name glob", () => {
    const g = glob("/dev/shm/torch_<pid>_*");
    expect(g).toMatchObject({
      text: "/dev/shm/torch_<pid>_*",
      dir: "/dev/shm",
      name: "torch_<pid>_*",
      hasPid: true,
      literalChars: 7,
    });
    expect(glob("/tmp/pymp-*")).toMatchObject({ dir: "/tmp", hasPid: false, literalChars: 5 });
    expect(glob("/a/b/c/sem.mp-[a-z]?")).toMatchObject({ dir: "/a/b/c", name: "sem.mp-[a-z]?" });
  });

  it.each([
    ["", "empty; expected an absolute path like /dev/shm/psm_*"],
    ["dev/shm/psm_*", "not an absolute path; expected an absolute path like /dev/shm/psm_*"],
    ["/dev/shm/", "ends with '/'; expected a name or a glob after the last '/'"],
    ["/dev//shm/psm_*", "empty component ('//'); expected a normalised path"],
    ["/dev/./shm/psm_*", "'.' component; expected a normalised path"],
    ["/dev/shm/../etc/passwd", "'..' component: the path would leave its directory"],
    ["/dev/shm/..", "'..' component"],
    ["/dev/shm/.", "'.' component"],
    ["/psm_*", "names an entry of / itself; expected a directory below /"],
    ["/", "ends with '/'"],
    ["/dev/sh*/psm_*", "glob in the directory part /dev/sh*; expected a literal directory"],
    ["/tmp/[ab]/x", "glob in the directory part /tmp/[ab]"],
    ["/tmp/<pid>/x", "glob in the directory part /tmp/<pid>"],
    ["/dev/shm/psm_\n*", "contains a control character"],
    ["/dev/shm/psm_\0", "contains a control character"],
    ["/dev/shm/psm_[ab", "unclosed '['; expected a class like [abc], [a-z] or [!x] closed by ']'"],
    ["/dev/shm/psm_[z-a]", "range z-a is reversed and matches nothing"],
    ["/dev/shm/torch_<PID>_*", "unknown placeholder '<PID>'; expected <pid> (a decimal pid)"],
    ["/dev/shm/t_<pid>_<pid>", "more than one <pid>; expected at most one <pid> in a name"],
    ["/dev/shm/*_<pid>_x", "a '*' before <pid> makes the pid ambiguous"],
    [
      "/dev/shm/t_<pid>*",
      "<pid> must be followed by a literal non-digit character or end the name",
    ],
    ["/dev/shm/t_<pid>?", "<pid> must be followed by a literal non-digit"],
    ["/dev/shm/t_<pid>7", "<pid> must be followed by a literal non-digit"],
    ["/dev/shm/t_<pid>[_]", "<pid> must be followed by a literal non-digit"],
  ])("rejects %j: %s", (text, expected) => {
    expect(problem(text)).toContain(expected);
  });

  it("rejects what cannot name a file: a path or a name over PATH_MAX or NAME_MAX", () => {
    expect(problem(`/tmp/${"x".repeat(5000)}`)).toBe(
      "too long (5005 characters); expected at most 4096",
    );
    expect(problem(`/tmp/${"x".repeat(256)}`)).toBe(
      "name part too long (256 characters); expected at most 255",
    );
  });

  it("accepts <pid> at the start or end of a name, and after ? or a class", () => {
    expect(glob("/dev/shm/<pid>.lock").hasPid).toBe(true);
    expect(glob("/dev/shm/psm_<pid>").hasPid).toBe(true);
    expect(glob("/dev/shm/?[ab]_<pid>_*").hasPid).toBe(true);
  });

  it("takes a '<' that is no placeholder literally", () => {
    expect(glob("/tmp/a<b").match("a<b")).toEqual({ pid: null });
    expect(glob("/tmp/a<1>").match("a<1>")).toEqual({ pid: null });
  });
});

describe("PathGlob.match", () => {
  it("matches * ? and classes within the name", () => {
    const g = glob("/dev/shm/sem.mp-*");
    expect(g.match("sem.mp-abc123")).toEqual({ pid: null });
    expect(g.match("sem.mp-")).toEqual({ pid: null });
    expect(g.match("sem.mpx-abc")).toBeNull();
    expect(g.match("xsem.mp-abc")).toBeNull();
    expect(glob("/t/a?c").match("abc")).not.toBeNull();
    expect(glob("/t/a?c").match("ac")).toBeNull();
    expect(glob("/t/a[0-9]c").match("a5c")).not.toBeNull();
    expect(glob("/t/a[0-9]c").match("abc")).toBeNull();
    expect(glob("/t/a[!0-9]c").match("abc")).not.toBeNull();
    expect(glob("/t/a[^0-9]c").match("a5c")).toBeNull();
    expect(glob("/t/a[]]c").match("a]c")).not.toBeNull();
    expect(glob("/t/a[[]c").match("a[c")).not.toBeNull();
  });

  it("treats regex and glob metacharacters of the name literally", () => {
    const g = glob("/t/a.b+c(d)|e$^{2}\\");
    expect(g.match("a.b+c(d)|e$^{2}\\")).toEqual({ pid: null });
    expect(g.match("aXb+c(d)|e$^{2}\\")).toBeNull();
    expect(g.match("a.bbc(d)|e$^{2}\\")).toBeNull();
  });

  it("does not match a leading '.' with a wildcard, unless the glob starts with '.'", () => {
    expect(glob("/t/*").match(".hidden")).toBeNull();
    expect(glob("/t/?x").match(".x")).toBeNull();
    expect(glob("/t/*").match("visible")).not.toBeNull();
    expect(glob("/t/.*").match(".hidden")).not.toBeNull();
  });

  it("reads the creator's pid from <pid>", () => {
    const g = glob("/dev/shm/torch_<pid>_*");
    expect(g.match("torch_4123_1_abc")).toEqual({ pid: 4123 });
    expect(g.match("torch_4123_")).toEqual({ pid: 4123 });
    expect(g.match("torch_1_2_3")).toEqual({ pid: 1 });
    expect(glob("/t/?_<pid>").match("x_77")).toEqual({ pid: 77 });
    expect(glob("/t/<pid>.lock").match("12.lock")).toEqual({ pid: 12 });
  });

  it("matches no name whose <pid> is not a decimal pid", () => {
    const g = glob("/dev/shm/torch_<pid>_*");
    expect(g.match("torch__abc")).toBeNull(); // no digits
    expect(g.match("torch_0_abc")).toBeNull(); // pid 0 is no process
    expect(g.match("torch_0123_abc")).toBeNull(); // a leading zero: not how a pid is written
    expect(g.match("torch_-5_abc")).toBeNull();
    expect(g.match("torch_12a_abc")).toBeNull();
    expect(g.match(`torch_${PID_MAX}_x`)).toEqual({ pid: PID_MAX });
    expect(g.match(`torch_${PID_MAX + 1}_x`)).toBeNull();
    expect(g.match("torch_12345678_x")).toBeNull(); // more digits than any pid has
    expect(g.match(`torch_${"9".repeat(400)}_x`)).toBeNull();
  });

  it("matches hostile names as names: a newline, '..', '/', NUL, a very long one", () => {
    const g = glob("/dev/shm/psm_*");
    expect(g.match("psm_a\nb")).toEqual({ pid: null });
    expect(g.match("psm_\n")).toEqual({ pid: null });
    expect(g.match("psm_..")).toEqual({ pid: null });
    expect(g.match("..")).toBeNull();
    expect(glob("/t/*").match("..")).toBeNull();
    expect(glob("/t/.*").match("..")).toBeNull();
    expect(glob("/t/.*").match(".")).toBeNull();
    expect(g.match("psm_a/../../etc/passwd")).toBeNull();
    expect(g.match("psm_a\0b")).toBeNull();
    expect(g.match("")).toBeNull();
    expect(g.match(`psm_${"a".repeat(250)}`)).toEqual({ pid: null });
    expect(g.match(`psm_${"a".repeat(5000)}`)).toBeNull();
    expect(glob("/t/a?b").match("a\nb")).not.toBeNull();
    expect(glob("/t/a[!x]b").match("a\nb")).not.toBeNull();
    expect(glob("/t/é*").match("é😀")).not.toBeNull();
    expect(glob("/t/a?b").match("a😀b")).not.toBeNull();
  });

  it("matches in linear time: many stars on a long name that almost matches", () => {
    // A backtracking engine takes O(n^k) here; RE2 (pattern.ts) is linear.
    const g = glob(`/t/${"*a".repeat(20)}*b`);
    const name = "a".repeat(250);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) expect(g.match(name)).toBeNull();
    // No upper bound on time (a busy machine); the test is that it returns at all.
    expect(process.hrtime.bigint() > started).toBe(true);
  });
});
