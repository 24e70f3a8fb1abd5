import { describe, expect, it } from "vitest";
import type { Config } from "../../../src/config/types.js";
import { planFiles } from "../../../src/rules/file-plan.js";
import {
  inodeKey,
  type DirListing,
  type FileHolder,
  type HolderIndex,
  type LeftoverFile,
} from "../../../src/scan/leftover-types.js";
import type { ProcessInfo } from "../../../src/scan/types.js";
import { DAY, config, proc, snapshot } from "../../helpers/fixtures.js";

const NOW = Date.UTC(2026, 10, 23);
const HOUR = 3_600_000;
const MiB = 2 ** 20;
const SHM = "/dev/shm";

const init = proc({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0 });

let nextIno = 100;
function file(name: string, fields: Partial<LeftoverFile> = {}, dir = SHM): LeftoverFile {
  return {
    path: `${dir}/${name}`,
    dir,
    name,
    kind: "file",
    dev: 25,
    ino: nextIno++,
    uid: 1000,
    user: "alice",
    sizeBytes: 12 * MiB,
    mtimeMs: NOW - 3 * DAY,
    ctimeMs: NOW - 3 * DAY,
    ...fields,
  };
}

function listing(files: LeftoverFile[], dir = SHM, fields: Partial<DirListing> = {}): DirListing {
  return { dir, files, truncated: false, ...fields };
}

function holders(
  held: [LeftoverFile | { dev: number; ino: number }, FileHolder][] = [],
  unknown: HolderIndex["unknown"] = [],
): HolderIndex {
  const byInode = new Map<ReturnType<typeof inodeKey>, FileHolder[]>();
  for (const [f, h] of held) {
    const key = inodeKey(f.dev, f.ino);
    byInode.set(key, [...(byInode.get(key) ?? []), h]);
  }
  return { byInode, unknown, scanned: 10, ms: 1 };
}

const NO_HOLDERS = holders();

function rules(yaml: string): Config {
  return config(`rules: []\n${yaml}`);
}

const REMOVE_SHM = rules(`
files:
  - name: shm
    paths: [/dev/shm/psm_*, /dev/shm/sem.mp-*]
    no_holder: true
    older_than: 1d
    action: remove
`);

function run(
  c: Config,
  listings: DirListing[],
  index: HolderIndex = NO_HOLDERS,
  processes: ProcessInfo[] = [init],
  unreadable = 0,
) {
  return planFiles(
    listings,
    index,
    { ...snapshot(processes), unreadable },
    c.files,
    c.settings,
    NOW,
  );
}

describe("planFiles: entries and their reasons", () => {
  it("removes a segment and a semaphore no one holds, older than the floor, and says why", () => {
    const psm = file("psm_abc");
    const sem = file("sem.mp-x1");
    const other = file("unrelated");
    const plan = run(REMOVE_SHM, [listing([psm, sem, other])]);
    expect(plan.entries).toEqual([
      {
        action: "remove",
        rule: "shm",
        severity: "warning",
        file: psm,
        reasons: ["no holder", "age 3d ≥ 1d"],
      },
      {
        action: "remove",
        rule: "shm",
        severity: "warning",
        file: sem,
        reasons: ["no holder", "age 3d ≥ 1d"],
      },
    ]);
    expect(plan.spared).toEqual([]);
    expect(plan.refusals).toEqual([]);
    expect(plan.listings).toEqual([]);
  });

  it("gives every condition's fact, in order: holder, creator, age, size, owner", () => {
    const c = rules(`
files:
  - name: torch
    paths: [/dev/shm/torch_<pid>_*]
    no_holder: true
    creator_gone: true
    older_than: 1d
    size_over: 1MiB
    owner: alice
    action: alert
`);
    const f = file("torch_4123_0_abc");
    const plan = run(c, [listing([f])]);
    expect(plan.entries).toEqual([
      {
        action: "alert",
        rule: "torch",
        severity: "warning",
        file: f,
        reasons: [
          "no holder",
          "creator 4123 gone",
          "age 3d ≥ 1d",
          "size 12.0MiB > 1MiB",
          "owner alice",
        ],
      },
    ]);
  });

  it("names the glob when a rule has no conditions", () => {
    const c = rules("files:\n  - name: seen\n    paths: [/dev/shm/psm_*]\n");
    const plan = run(c, [listing([file("psm_1")])]);
    expect(plan.entries[0]).toMatchObject({
      action: "report",
      severity: "info",
      reasons: ["name matches /dev/shm/psm_*"],
    });
  });

  it("owner by uid, and by name only where the scan found one", () => {
    const c = rules("files:\n  - name: o\n    paths: [/dev/shm/psm_*]\n    owner: [bob, 1000]\n");
    const nameless = file("psm_1", { uid: 1000, user: undefined });
    const plan = run(c, [listing([nameless])]);
    expect(plan.entries[0]?.reasons).toEqual(["owner 1000"]);
    const byName = rules("files:\n  - name: o\n    paths: [/dev/shm/psm_*]\n    owner: alice\n");
    expect(
      run(byName, [listing([file("psm_2", { uid: 1000, user: undefined })])]).spared[0],
    ).toMatchObject({
      code: "owner",
      reasons: ["owner 1000 is not alice"],
    });
  });

  it("judges a hostile name as a name: a newline, '..' inside it", () => {
    const f = file("psm_a\n..\nb");
    expect(run(REMOVE_SHM, [listing([f])]).entries.map((e) => e.file.path)).toEqual([
      "/dev/shm/psm_a\n..\nb",
    ]);
  });

  it("judges both mtime and ctime: the younger one decides", () => {
    const recentCtime = file("psm_c", { mtimeMs: NOW - 5 * DAY, ctimeMs: NOW - 2 * HOUR });
    const recentMtime = file("psm_m", { mtimeMs: NOW - 2 * HOUR, ctimeMs: NOW - 5 * DAY });
    const plan = run(REMOVE_SHM, [listing([recentCtime, recentMtime])]);
    expect(plan.entries).toEqual([]);
    expect(plan.spared.map((s) => [s.file.name, s.code, s.reasons])).toEqual([
      ["psm_c", "too-young", ["age 2h < 1d"]],
      ["psm_m", "too-young", ["age 2h < 1d"]],
    ]);
  });

  it("a time in the future is too young, and says so", () => {
    const future = file("psm_f", { mtimeMs: NOW + HOUR, ctimeMs: NOW + HOUR });
    expect(run(REMOVE_SHM, [listing([future])]).spared[0]?.reasons).toEqual([
      "age 0s < 1d (its time is in the future)",
    ]);
  });
});

describe("planFiles: spared files", () => {
  it("spares a file a live pool holds, naming the holder and its command line", () => {
    const psm = file("psm_live");
    const pool = proc({ pid: 4123, argv: ["python3", "-m", "pool", "--workers", "4"] });
    const index = holders([
      [psm, { pid: 4123, startTicks: pool.startTicks, how: "fd" }],
      [psm, { pid: 4123, startTicks: pool.startTicks, how: "map" }],
    ]);
    const plan = run(REMOVE_SHM, [listing([psm])], index, [init, pool]);
    expect(plan.entries).toEqual([]);
    expect(plan.spared).toEqual([
      {
        rule: "shm",
        file: psm,
        code: "held",
        reasons: ["held by 4123 (fd, map) python3 -m pool --workers 4"],
      },
    ]);
  });

  it("names three holders and counts the rest; a pid of another start time is named by pid", () => {
    const psm = file("psm_many");
    const procs = [4, 5, 6, 7, 8].map((pid) => proc({ pid, comm: `w${pid}`, argv: [] }));
    const index = holders([
      [psm, { pid: 4, startTicks: 999, how: "map" }], // not the process the snapshot has
      ...procs
        .slice(1)
        .map((p): [LeftoverFile, FileHolder] => [
          psm,
          { pid: p.pid, startTicks: p.startTicks, how: "fd" },
        ]),
    ]);
    const plan = run(REMOVE_SHM, [listing([psm])], index, [init, ...procs]);
    expect(plan.spared[0]?.reasons).toEqual(["held by 4 (map), 5 (fd) w5, 6 (fd) w6 and 2 more"]);
  });

  it("cuts a long holder command line", () => {
    const psm = file("psm_long");
    const pool = proc({ pid: 50, argv: ["python3", "x".repeat(200)] });
    const index = holders([[psm, { pid: 50, startTicks: pool.startTicks, how: "fd" }]]);
    const reason = run(REMOVE_SHM, [listing([psm])], index, [init, pool]).spared[0]!.reasons[0]!;
    expect(reason).toBe(`held by 50 (fd) python3 ${"x".repeat(52)}…`);
  });

  it("holders unknown (an unreadable process) counts as held, for every file", () => {
    const index = holders(
      [],
      [
        { pid: 17, reason: "EACCES" },
        { pid: 18, reason: "vanished" },
      ],
    );
    const plan = run(REMOVE_SHM, [listing([file("psm_a"), file("psm_b")])], index);
    expect(plan.entries).toEqual([]);
    expect(plan.spared.map((s) => [s.code, s.reasons])).toEqual([
      ["holders-unknown", ["holders unknown: 2 processes unreadable (pid 17: EACCES)"]],
      ["holders-unknown", ["holders unknown: 2 processes unreadable (pid 17: EACCES)"]],
    ]);
  });

  it("lists every failed condition, with the first one's code", () => {
    const young = file("psm_y", { mtimeMs: NOW - HOUR, ctimeMs: NOW - HOUR });
    const index = holders([[young, { pid: 9, startTicks: 1, how: "fd" }]]);
    const plan = run(REMOVE_SHM, [listing([young])], index);
    expect(plan.spared[0]).toMatchObject({
      code: "held",
      reasons: ["held by 9 (fd)", "age 1h < 1d"],
    });
  });

  it("size and owner", () => {
    const c = rules(`
files:
  - name: big
    paths: [/dev/shm/psm_*]
    size_over: 1MiB
    owner: [alice]
`);
    const small = file("psm_s", { sizeBytes: 12 * 1024 });
    const bobs = file("psm_b", { uid: 1001, user: "bob" });
    const plan = run(c, [listing([small, bobs])]);
    expect(plan.spared.map((s) => [s.file.name, s.code, s.reasons])).toEqual([
      ["psm_s", "too-small", ["size 12.0KiB ≤ 1MiB"]],
      ["psm_b", "owner", ["owner bob is not alice"]],
    ]);
  });

  it("kind: a rule for files spares a directory of a matching name, and the other way round", () => {
    const c = rules(`
files:
  - name: files
    paths: [/tmp/pymp-*]
  - name: dirs
    paths: [/tmp/pymp-*]
    kind: dir
`);
    const d = file("pymp-abc", { kind: "dir", contents: [] }, "/tmp");
    const f = file("pymp-file", {}, "/tmp");
    const plan = run(c, [listing([d, f], "/tmp")]);
    // A kind miss does not claim the file: the next rule whose kind matches judges it.
    expect(plan.entries.map((e) => [e.rule, e.file.name])).toEqual([
      ["files", "pymp-file"],
      ["dirs", "pymp-abc"],
    ]);
    expect(plan.spared.map((s) => [s.rule, s.file.name, s.code, s.reasons])).toEqual([
      ["files", "pymp-abc", "kind", ["kind dir, not file"]],
      ["dirs", "pymp-file", "kind", ["kind file, not dir"]],
    ]);
  });

  it("never removes a symlink, socket or device, even with kind any; reports it", () => {
    const c = rules(`
files:
  - name: rm
    paths: [/dev/shm/psm_*]
    kind: any
    no_holder: true
    older_than: 1d
    action: remove
  - name: seen
    paths: [/dev/shm/psm_*]
    kind: any
`);
    const link = file("psm_link", { kind: "other" });
    const plan = run(c, [listing([link])]);
    expect(plan.entries).toEqual([]);
    expect(plan.spared.map((s) => [s.rule, s.code, s.reasons])).toEqual([
      ["rm", "kind", ["kind other (a symlink, socket, fifo or device): never removed"]],
      ["seen", "earlier-rule", ["judged by file rule rm, the first whose paths match it"]],
    ]);
    const report = rules("files:\n  - name: seen\n    paths: [/dev/shm/psm_*]\n    kind: any\n");
    expect(run(report, [listing([link])]).entries).toHaveLength(1);
    const files = rules("files:\n  - name: f\n    paths: [/dev/shm/psm_*]\n");
    expect(run(files, [listing([link])]).spared[0]?.reasons).toEqual([
      "kind other (a symlink, socket, fifo or device), not file",
    ]);
  });
});

describe("planFiles: directories", () => {
  const DIRS = rules(`
files:
  - name: pymp
    paths: [/tmp/pymp-*]
    kind: dir
    no_holder: true
    older_than: 1d
    action: remove
`);

  it("removes a dead pool's directory: nothing in it is held", () => {
    const d = file(
      "pymp-dead",
      { kind: "dir", contents: [{ dev: 25, ino: 1, path: "/tmp/pymp-dead/listener" }] },
      "/tmp",
    );
    expect(run(DIRS, [listing([d], "/tmp")]).entries.map((e) => e.file.name)).toEqual([
      "pymp-dead",
    ]);
  });

  it("keeps a live pool's directory: a socket bound inside it is held", () => {
    const inside = { dev: 25, ino: 7, path: "/tmp/pymp-live/listener-x" };
    const d = file("pymp-live", { kind: "dir", contents: [inside] }, "/tmp");
    const index = holders([[inside, { pid: 300, startTicks: 5, how: "socket" }]]);
    const plan = run(DIRS, [listing([d], "/tmp")], index);
    expect(plan.entries).toEqual([]);
    expect(plan.spared[0]).toMatchObject({
      code: "held",
      reasons: ["held by 300 (socket /tmp/pymp-live/listener-x)"],
    });
  });

  it("keeps a directory held itself (a cwd)", () => {
    const d = file("pymp-cwd", { kind: "dir", contents: [] }, "/tmp");
    const index = holders([[d, { pid: 301, startTicks: 5, how: "cwd" }]]);
    expect(run(DIRS, [listing([d], "/tmp")], index).spared[0]?.reasons).toEqual([
      "held by 301 (cwd)",
    ]);
  });

  it("contents unknown (the walk was cut, or not made) = held", () => {
    const cut = file("pymp-cut", { kind: "dir", contents: null }, "/tmp");
    const unwalked = file("pymp-unwalked", { kind: "dir" }, "/tmp");
    const plan = run(DIRS, [listing([cut, unwalked], "/tmp")]);
    expect(plan.entries).toEqual([]);
    expect(plan.spared.map((s) => [s.code, s.reasons])).toEqual([
      ["holders-unknown", ["holders unknown: the directory's contents could not be walked"]],
      ["holders-unknown", ["holders unknown: the directory's contents could not be walked"]],
    ]);
  });
});

describe("planFiles: the creator", () => {
  const TORCH = rules(`
files:
  - name: torch
    paths: [/dev/shm/torch_<pid>_*]
    creator_gone: true
    no_holder: true
    older_than: 1d
    action: remove
`);

  it("spares a file whose creator runs (any process with that pid)", () => {
    const creator = proc({ pid: 4123, comm: "pt_main_thread", argv: null });
    const plan = run(TORCH, [listing([file("torch_4123_1")])], NO_HOLDERS, [init, creator]);
    expect(plan.spared[0]).toMatchObject({
      code: "creator-running",
      reasons: ["creator 4123 running (pt_main_thread)"],
    });
  });

  it("creator gone: removed", () => {
    const plan = run(TORCH, [listing([file("torch_4123_1")])]);
    expect(plan.entries[0]?.reasons).toEqual(["no holder", "creator 4123 gone", "age 3d ≥ 1d"]);
  });

  it("an incomplete table (unreadable entries, or no PID 1: hidepid) makes a missing creator unknown", () => {
    const unreadable = run(TORCH, [listing([file("torch_4123_1")])], NO_HOLDERS, [init], 2);
    expect(unreadable.entries).toEqual([]);
    expect(unreadable.spared[0]).toMatchObject({
      code: "creator-unknown",
      reasons: [
        "creator 4123 not in the process table, which may be incomplete (2 /proc entries were unreadable (hidepid?))",
      ],
    });
    const hidden = run(TORCH, [listing([file("torch_4123_1")])], NO_HOLDERS, [proc({ pid: 50 })]);
    expect(hidden.spared[0]?.reasons).toEqual([
      "creator 4123 not in the process table, which may be incomplete (PID 1 is not visible (hidepid?))",
    ]);
  });

  it("a name whose <pid> is no decimal pid does not match at all", () => {
    const plan = run(TORCH, [listing([file("torch_0_1"), file("torch_x_1"), file("torch_01_1")])]);
    expect(plan).toEqual({ entries: [], spared: [], refusals: [], listings: [] });
  });
});

describe("planFiles: first rule wins", () => {
  it("a file two rules match is judged by the first; the second says so", () => {
    const c = rules(`
files:
  - name: young-report
    paths: [/dev/shm/psm_*]
    older_than: 7d
  - name: remove
    paths: [/dev/shm/psm_*]
    no_holder: true
    older_than: 1d
    action: remove
`);
    const f = file("psm_1");
    const plan = run(c, [listing([f])]);
    expect(plan.entries).toEqual([]);
    expect(plan.spared.map((s) => [s.rule, s.code, s.reasons])).toEqual([
      ["young-report", "too-young", ["age 3d < 7d"]],
      [
        "remove",
        "earlier-rule",
        ["judged by file rule young-report, the first whose paths match it"],
      ],
    ]);
  });

  it("two globs of one rule matching one name give one entry", () => {
    const c = rules("files:\n  - name: a\n    paths: [/dev/shm/psm_*, /dev/shm/*_x]\n");
    expect(run(c, [listing([file("psm_x")])]).entries).toHaveLength(1);
  });
});

describe("planFiles: listings", () => {
  it("reports a listing that failed or is missing, and only reads a rule's own directories", () => {
    const c = rules(`
files:
  - name: a
    paths: [/dev/shm/psm_*, /run/x/y_*]
  - name: b
    paths: [/run/x/z_*]
`);
    const elsewhere = file("psm_1", {}, "/tmp");
    const plan = run(c, [
      listing([], "/run/x", { problem: "a symlink" }),
      listing([elsewhere], "/tmp"),
    ]);
    expect(plan.entries).toEqual([]);
    expect(plan.listings).toEqual([
      { dir: "/dev/shm", rules: ["a"], truncated: false, problem: "not listed" },
      { dir: "/run/x", rules: ["a", "b"], truncated: false, problem: "a symlink" },
    ]);
  });

  it("ignores an entry the listing puts under another directory or name", () => {
    const stray = { ...file("psm_1"), dir: "/tmp" };
    const renamed = { ...file("psm_2"), path: "/dev/shm/../etc/psm_2" };
    expect(run(REMOVE_SHM, [listing([stray, renamed])]).entries).toEqual([]);
  });

  it("a remove rule whose listing was cut removes nothing: its count is unknown", () => {
    const f = file("psm_1");
    const plan = run(REMOVE_SHM, [listing([f], SHM, { truncated: true })]);
    expect(plan.entries).toEqual([]);
    const message =
      "the listing of /dev/shm stopped at its entry limit, so file rule shm may match more than the 1 file seen: it removes none this run";
    expect(plan.refusals).toEqual([
      {
        rule: "shm",
        scope: "rule",
        measure: "listing",
        would: 1,
        budget: 100,
        severity: "critical",
        message,
      },
    ]);
    expect(plan.spared).toEqual([
      { rule: "shm", file: f, code: "listing-truncated", reasons: [message] },
    ]);
    expect(plan.listings).toEqual([{ dir: SHM, rules: ["shm"], truncated: true }]);
  });

  it("a report rule on a cut listing reports what it saw", () => {
    const c = rules("files:\n  - name: a\n    paths: [/dev/shm/psm_*]\n");
    const plan = run(c, [listing([file("psm_1")], SHM, { truncated: true })]);
    expect(plan.entries).toHaveLength(1);
    expect(plan.refusals).toEqual([]);
    expect(plan.listings).toEqual([{ dir: SHM, rules: ["a"], truncated: true }]);
  });
});

describe("planFiles: budgets", () => {
  const files = (n: number, size = MiB) =>
    Array.from({ length: n }, (_, i) => file(`psm_${i}`, { sizeBytes: size }));

  it("a rule over max_files removes none and is refused", () => {
    const c = rules(`
files:
  - name: shm
    paths: [/dev/shm/psm_*]
    no_holder: true
    older_than: 1d
    action: remove
    max_files: 2
`);
    const plan = run(c, [listing(files(3))]);
    expect(plan.entries).toEqual([]);
    const message =
      "file rule shm matched 3 files to remove, over its budget of 2 (max_files): it removes none this run";
    expect(plan.refusals).toEqual([
      {
        rule: "shm",
        scope: "rule",
        measure: "files",
        would: 3,
        budget: 2,
        severity: "critical",
        message,
      },
    ]);
    expect(plan.spared.map((s) => [s.code, s.reasons])).toEqual(
      Array.from({ length: 3 }, () => ["over-budget", [message]]),
    );
    // At the budget is within it.
    expect(run(c, [listing(files(2))]).entries).toHaveLength(2);
  });

  it("the default max_files is settings.max_files_per_rule", () => {
    const c = config(`
settings: { max_files_per_rule: 2 }
rules: []
files:
  - { name: shm, paths: [/dev/shm/psm_*], no_holder: true, older_than: 1d, action: remove }
`);
    expect(run(c, [listing(files(3))]).refusals[0]).toMatchObject({ measure: "files", budget: 2 });
  });

  it("a rule over max_bytes removes none", () => {
    const c = rules(`
files:
  - name: shm
    paths: [/dev/shm/psm_*]
    no_holder: true
    older_than: 1d
    action: remove
    max_bytes: 2MiB
`);
    const plan = run(c, [listing(files(3))]);
    expect(plan.entries).toEqual([]);
    expect(plan.refusals).toEqual([
      {
        rule: "shm",
        scope: "rule",
        measure: "bytes",
        would: 3 * MiB,
        budget: 2 * MiB,
        severity: "critical",
        message:
          "file rule shm matched 3.0MiB to remove, over its budget of 2.0MiB (max_bytes): it removes none this run",
      },
    ]);
  });

  it("the run's file budget: a rule that would go past what is left removes none; a later smaller one may", () => {
    const c = config(`
settings: { max_files_per_run: 3 }
rules: []
files:
  - { name: a, paths: [/dev/shm/a_*], no_holder: true, older_than: 1d, action: remove }
  - { name: b, paths: [/dev/shm/b_*], no_holder: true, older_than: 1d, action: remove }
  - { name: c, paths: [/dev/shm/c_*], no_holder: true, older_than: 1d, action: remove }
`);
    const names = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => file(`${prefix}_${i}`));
    const plan = run(c, [listing([...names("a", 2), ...names("b", 2), ...names("c", 1)])]);
    expect(plan.entries.map((e) => e.file.name)).toEqual(["a_0", "a_1", "c_0"]);
    expect(plan.refusals).toEqual([
      {
        rule: "b",
        scope: "run",
        measure: "files",
        would: 2,
        budget: 1,
        severity: "critical",
        message:
          "file rule b would remove 2 files, but only 1 remain of this run's budget of 3 (settings.max_files_per_run): it removes none this run",
      },
    ]);
  });

  it("the run's byte budget", () => {
    const c = config(`
settings: { max_file_bytes_per_run: 3MiB }
rules: []
files:
  - { name: a, paths: [/dev/shm/a_*], no_holder: true, older_than: 1d, action: remove }
  - { name: b, paths: [/dev/shm/b_*], no_holder: true, older_than: 1d, action: remove }
`);
    const plan = run(c, [
      listing([file("a_1", { sizeBytes: 2 * MiB }), file("b_1", { sizeBytes: 2 * MiB })]),
    ]);
    expect(plan.entries.map((e) => e.file.name)).toEqual(["a_1"]);
    expect(plan.refusals[0]).toMatchObject({
      rule: "b",
      scope: "run",
      measure: "bytes",
      would: 2 * MiB,
      budget: MiB,
      message:
        "file rule b would remove 2.0MiB, but only 1.0MiB remain of this run's budget of 3.0MiB (settings.max_file_bytes_per_run): it removes none this run",
    });
  });

  it("only remove rules have budgets: reporting many files is not refused", () => {
    const c = config(`
settings: { max_files_per_rule: 1, max_files_per_run: 1 }
rules: []
files:
  - { name: a, paths: [/dev/shm/psm_*] }
`);
    const plan = run(c, [listing(files(5))]);
    expect(plan.entries).toHaveLength(5);
    expect(plan.refusals).toEqual([]);
  });

  it("spared files do not count against a budget", () => {
    const c = rules(`
files:
  - name: shm
    paths: [/dev/shm/psm_*]
    no_holder: true
    older_than: 1d
    action: remove
    max_files: 1
`);
    const young = file("psm_young", { mtimeMs: NOW, ctimeMs: NOW });
    const plan = run(c, [listing([file("psm_old"), young])]);
    expect(plan.entries.map((e) => e.file.name)).toEqual(["psm_old"]);
    expect(plan.refusals).toEqual([]);
  });
});
