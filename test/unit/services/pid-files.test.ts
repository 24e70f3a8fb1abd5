// PID files: the glob, reading, judging against a hand-built snapshot, and removal against a
// fixture /proc. Nothing here signals anything.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { removeStalePidFile } from "../../../src/act/pid-file-removal.js";
import { ConfigError, formatProblem } from "../../../src/config/errors.js";
import { parseConfig } from "../../../src/config/load.js";
import type { Service } from "../../../src/config/types.js";
import type { Lookup } from "../../../src/rules/match.js";
import { ref } from "../../../src/rules/plan.js";
import type { ProcessInfo, Snapshot } from "../../../src/scan/types.js";
import { expandGlob, globProblem, MAX_MATCHES } from "../../../src/shared/glob.js";
import { readPidFile, readPidFiles, type PidFileRead } from "../../../src/scan/pid-files.js";
import {
  classifyPidFiles,
  untrackedInstances,
  type PidFileFinding,
} from "../../../src/services/pid-files.js";
import { serviceInstances } from "../../../src/services/instances.js";
import { config, proc, ProcFixture, snapshot } from "../../helpers/fixtures.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cleanup-pidfiles-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh directory under the test's temp dir, with these files (path → content). */
function tree(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe("expandGlob", () => {
  let root: string;
  beforeAll(() => {
    root = tree("glob", {
      "logs/dev_api.pid": "1",
      "logs/dev_bot.pid": "2",
      "logs/prod_api.pid": "3",
      "logs/dev_x.log": "",
      "logs/.dev_hidden.pid": "4",
      ".pids/a.pid": "5",
      ".pids/b.pid": "6",
      "run/one/w1.pid": "7",
      "run/two/w2.pid": "8",
      "run/three/deep/w3.pid": "9",
      "cls/a1.pid": "",
      "cls/b2.pid": "",
      "cls/c3.pid": "",
      "cls/x.pid": "",
    });
    mkdirSync(join(root, "logs", "dev_dir.pid")); // a directory: never a match
    symlinkSync(join(root, "logs", "prod_api.pid"), join(root, "logs", "dev_link.pid"));
    symlinkSync(join(root, "nowhere"), join(root, "logs", "dev_dangling.pid"));
  });

  it("matches * within one segment, regular files only, symlinks followed, sorted", () => {
    expect(expandGlob(`${root}/logs/dev_*.pid`)).toEqual([
      `${root}/logs/dev_api.pid`,
      `${root}/logs/dev_bot.pid`,
      `${root}/logs/dev_link.pid`,
    ]);
  });

  it("does not match a leading dot with * or ?, unless the segment starts with a dot", () => {
    expect(expandGlob(`${root}/logs/*.pid`)).not.toContain(`${root}/logs/.dev_hidden.pid`);
    expect(expandGlob(`${root}/logs/?dev_hidden.pid`)).toEqual([]);
    expect(expandGlob(`${root}/logs/.*.pid`)).toEqual([`${root}/logs/.dev_hidden.pid`]);
    expect(expandGlob(`${root}/*/a.pid`)).toEqual([]);
    expect(expandGlob(`${root}/.pids/*.pid`)).toEqual([
      `${root}/.pids/a.pid`,
      `${root}/.pids/b.pid`,
    ]);
    expect(expandGlob(`${root}/.p*/?.pid`)).toEqual([`${root}/.pids/a.pid`, `${root}/.pids/b.pid`]);
  });

  it("wildcards in directory segments; * never crosses a /", () => {
    expect(expandGlob(`${root}/run/*/*.pid`)).toEqual([
      `${root}/run/one/w1.pid`,
      `${root}/run/two/w2.pid`,
    ]);
    expect(expandGlob(`${root}/run/*.pid`)).toEqual([]);
    expect(expandGlob(`${root}/run/t*/deep/w?.pid`)).toEqual([`${root}/run/three/deep/w3.pid`]);
  });

  it("[abc], [a-z] and [!x] classes", () => {
    expect(expandGlob(`${root}/cls/[ab]?.pid`)).toEqual([
      `${root}/cls/a1.pid`,
      `${root}/cls/b2.pid`,
    ]);
    expect(expandGlob(`${root}/cls/[b-c][0-9].pid`)).toEqual([
      `${root}/cls/b2.pid`,
      `${root}/cls/c3.pid`,
    ]);
    expect(expandGlob(`${root}/cls/[!a]*.pid`)).toEqual([
      `${root}/cls/b2.pid`,
      `${root}/cls/c3.pid`,
      `${root}/cls/x.pid`,
    ]);
    expect(expandGlob(`${root}/cls/[^abc]*.pid`)).toEqual([`${root}/cls/x.pid`]);
  });

  it("a literal path is taken as is: a file matches, a directory or a missing file does not", () => {
    expect(expandGlob(`${root}/logs/dev_api.pid`)).toEqual([`${root}/logs/dev_api.pid`]);
    expect(expandGlob(`${root}/logs/dev_dir.pid`)).toEqual([]);
    expect(expandGlob(`${root}/logs/missing.pid`)).toEqual([]);
  });

  it("a missing or non-directory parent gives no matches, and does not throw", () => {
    expect(expandGlob(`${root}/missing/*.pid`)).toEqual([]);
    expect(expandGlob(`${root}/logs/dev_api.pid/*`)).toEqual([]);
    expect(expandGlob(`/nonexistent-${process.pid}/x/*.pid`)).toEqual([]);
    expect(expandGlob("relative/*.pid")).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)("an unreadable directory gives no matches", () => {
    const locked = tree("locked", { "a.pid": "1" });
    chmodSync(locked, 0o000);
    try {
      expect(expandGlob(`${locked}/*.pid`)).toEqual([]);
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it(`stops at ${MAX_MATCHES} matches per pattern`, () => {
    const many = tree("many", {});
    for (let i = 0; i < MAX_MATCHES + 5; i++) writeFileSync(join(many, `${i}.pid`), "");
    expect(expandGlob(`${many}/*.pid`)).toHaveLength(MAX_MATCHES);
  });
});

describe("globProblem", () => {
  it("accepts plain paths and the supported wildcards", () => {
    for (const ok of ["logs/dev_*.pid", "/run/app.pid", ".pids/[a-z]?.pid", "x/[!.]*", "a/[]]b"])
      expect(globProblem(ok), ok).toBeNull();
  });

  it("names what is wrong", () => {
    expect(globProblem("logs/**/x.pid")).toBe(
      "'**' is not supported; expected * ? or [..] within one path segment",
    );
    expect(globProblem("logs/[ab.pid")).toBe(
      "unclosed '['; expected a class like [abc], [a-z] or [!x] closed by ']'",
    );
    expect(globProblem("logs/[z-a].pid")).toMatch(/^range z-a .* reversed/);
    expect(globProblem("logs/")).toMatch(/names a directory; expected/);
    expect(globProblem("")).toMatch(/^empty; expected/);
  });

  it("is reported by the config check at the pid_files entry", () => {
    const base = "rules: []\nservices:\n  - name: api\n    match: { cmdline: 'uvicorn app:api' }\n";
    const problems = (text: string): string[] => {
      try {
        parseConfig(text, "rules.yaml");
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).problems.map(formatProblem);
      }
      return [];
    };
    expect(problems(`${base}    pid_files: 'logs/**/*.pid'\n`)).toEqual([
      "rules.yaml:5:16 services[0].pid_files: '**' is not supported (got 'logs/**/*.pid', expected * ? or [..] within one path segment)",
    ]);
    const listed = problems(`${base}    pid_files: ['ok/*.pid', 'bad/[ab.pid']\n`);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatch(/^rules\.yaml:5:\d+ services\[0\]\.pid_files\[1\]: unclosed '\['/);
    expect(problems(`${base}    pid_files: ['ok/*.pid', '.pids/w[0-9].pid']\n`)).toEqual([]);
  });
});

describe("readPidFiles", () => {
  let root: string;
  beforeAll(() => {
    root = tree("read", {
      "good.pid": "4242\n",
      "spaces.pid": "  77  \nsecond line\n",
      "crlf.pid": "88\r\n",
      "empty.pid": "",
      "blank.pid": " \n\n",
      "garbage.pid": "abc\n",
      "zero.pid": "0\n",
      "huge.pid": "4194305\n",
      "max.pid": "4194304",
      "neg.pid": "-5\n",
      "control.pid": "\u001b[2Jx\n",
      "long.pid": `${"9".repeat(10_000)}\n`,
    });
  });
  const byName = (reads: PidFileRead[]) =>
    Object.fromEntries(reads.map((r) => [r.path.slice(root.length + 1), r]));

  it("parses the trimmed first line as a pid; anything else is a problem", () => {
    const reads = byName(readPidFiles([`${root}/*.pid`]));
    expect(reads["good.pid"]).toMatchObject({
      pid: 4242,
      problem: null,
      content: "4242\n",
      size: 5,
    });
    expect(reads["good.pid"]?.mtimeMs).toBeGreaterThan(0);
    expect(reads["good.pid"]?.ino).toBeGreaterThan(0);
    expect(reads["spaces.pid"]).toMatchObject({ pid: 77, problem: null });
    expect(reads["crlf.pid"]).toMatchObject({ pid: 88, problem: null });
    expect(reads["max.pid"]).toMatchObject({ pid: 4194304, problem: null });
    expect(reads["empty.pid"]).toMatchObject({ pid: null, problem: "empty", content: "" });
    expect(reads["blank.pid"]).toMatchObject({ pid: null, problem: "empty" });
    expect(reads["garbage.pid"]).toMatchObject({ pid: null, problem: "not a pid: 'abc'" });
    expect(reads["zero.pid"]).toMatchObject({ pid: null, problem: "not a pid: '0'" });
    expect(reads["huge.pid"]).toMatchObject({ pid: null, problem: "not a pid: '4194305'" });
    expect(reads["neg.pid"]).toMatchObject({ pid: null, problem: "not a pid: '-5'" });
    expect(reads["control.pid"]?.problem).toBe("not a pid: '\\x1b[2Jx'");
  });

  it("reads at most 4 KiB", () => {
    const long = byName(readPidFiles([`${root}/long.pid`]))["long.pid"];
    expect(long?.content).toHaveLength(4096);
    expect(long?.size).toBe(10_001);
    expect(long?.problem).toBe(`not a pid: '${"9".repeat(40)}…'`);
  });

  it("reads a file matched by several patterns once", () => {
    const reads = readPidFiles([`${root}/good.pid`, `${root}/g*.pid`, `${root}/*.pid`]);
    expect(reads.filter((r) => r.path === `${root}/good.pid`)).toHaveLength(1);
    expect(reads[0]?.path).toBe(`${root}/good.pid`);
    expect(readPidFiles([`${root}/none-*.pid`, `${root}/missing/x.pid`])).toEqual([]);
  });

  it("a path that is no regular file any more (swapped after the glob) is a problem", () => {
    const swapped = tree("swapped", {});
    mkdirSync(join(swapped, "x.pid"));
    expect(readPidFile(join(swapped, "x.pid"))).toMatchObject({
      pid: null,
      problem: "not a regular file",
      content: null,
    });
    expect(readPidFile(join(swapped, "gone.pid"))).toBeNull();
  });

  it.skipIf(process.getuid?.() === 0)("an unreadable file is a problem with its error code", () => {
    const locked = tree("unreadable", { "a.pid": "123\n" });
    chmodSync(join(locked, "a.pid"), 0o000);
    const [read] = readPidFiles([`${locked}/a.pid`]);
    expect(read).toMatchObject({ pid: null, problem: "unreadable: EACCES", content: null });
    expect(read?.mtimeMs).not.toBeNull();
  });
});

const T0 = Date.UTC(2026, 10, 23);

function service(
  yaml = "match: { cmdline: 'uvicorn app:api' }\n    pid_files: /run/api/*.pid",
): Service {
  return config(`rules: []\nservices:\n  - name: api\n    ${yaml}\n`).services[0] as Service;
}

function read(pid: number | null, fields: Partial<PidFileRead> = {}): PidFileRead {
  return {
    path: `/run/api/${pid ?? "bad"}.pid`,
    pid,
    problem: null,
    mtimeMs: T0 - 3 * 3_600_000,
    dev: 1,
    ino: 2,
    size: 5,
    content: `${pid}\n`,
    ...fields,
  };
}

function lookupOf(s: Snapshot): Lookup {
  const byPid = new Map(s.processes.map((p) => [p.pid, p]));
  return (pid) => byPid.get(pid);
}

const API = ["/srv/venv/bin/python3", "-m", "uvicorn", "app:api", "--port", "8000"];

describe("classifyPidFiles", () => {
  const processes: ProcessInfo[] = [
    proc({ pid: 100, argv: API }),
    proc({ pid: 200, comm: "sleep", argv: ["sleep", "300"] }),
    proc({ pid: 300, state: "Z", argv: [], ppid: 7 }),
    proc({ pid: 400, argv: null }),
    proc({ pid: 500, kernelThread: true, comm: "kworker/0:1", argv: null }),
    proc({ pid: 600, comm: "evil", argv: ["bash", "-c", "x\n[fake line]"] }),
    proc({ pid: 700, comm: "hidden", argv: [] }),
  ];
  const s = snapshot(processes);
  const classify = (reads: PidFileRead[]): PidFileFinding[] =>
    classifyPidFiles(service(), reads, s, lookupOf(s));

  it("ok: the pid is a process of the service", () => {
    const [f] = classify([read(100)]);
    expect(f).toMatchObject({ service: "api", kind: "ok", pid: 100, path: "/run/api/100.pid" });
    expect(f?.process).toMatchObject({ pid: 100, startTicks: 1100, argv: API });
    expect(f?.detail).toContain("pid 100 is running (python3: /srv/venv/bin/python3 -m uvicorn");
  });

  it("stale: no such process, or a zombie; the detail says how old the file is", () => {
    const [gone, zombie] = classify([read(4242), read(300, { mtimeMs: T0 - 90_000 })]);
    expect(gone).toMatchObject({
      kind: "stale",
      pid: 4242,
      detail: "pid 4242 is not running (file written 3h ago)",
    });
    expect(gone?.process).toBeUndefined();
    expect(zombie).toMatchObject({ kind: "stale", pid: 300 });
    expect(zombie?.detail).toBe(
      "pid 300 has exited (a zombie not yet reaped by its parent 7) (file written 1m30s ago)",
    );
    const [unknownAge] = classify([read(4242, { mtimeMs: null })]);
    expect(unknownAge?.detail).toBe("pid 4242 is not running");
  });

  it("reused: the pid belongs to another program now, named with comm and command (escaped)", () => {
    const [other, kthread, evil] = classify([read(200), read(500), read(600)]);
    expect(other).toMatchObject({
      kind: "reused",
      pid: 200,
      detail: "pid 200 now belongs to another program (sleep: sleep 300) (file written 3h ago)",
    });
    expect(other?.process?.pid).toBe(200);
    expect(kthread).toMatchObject({ kind: "reused" });
    expect(kthread?.detail).toContain("kernel thread (kworker/0:1: [kworker/0:1])");
    expect(evil?.detail).toContain("(evil: bash -c x\\n[fake line])");
    expect(evil?.detail).not.toContain("\n");
  });

  it("unknown, never stale: a running process that was not read in detail", () => {
    const [notRead, hidden] = classify([read(400), read(700)]);
    expect(notRead).toMatchObject({
      kind: "unknown",
      pid: 400,
      detail: "pid 400 is running but was not read in detail",
    });
    expect(hidden).toMatchObject({ kind: "unknown", pid: 700 });
    expect(hidden?.detail).toContain("command line could not be read");
  });

  it("invalid: the read's problem", () => {
    const [garbage, unreadable] = classify([
      read(null, { problem: "not a pid: 'abc'", content: "abc" }),
      read(null, { path: "/run/api/x.pid", problem: "unreadable: EACCES", content: null }),
    ]);
    expect(garbage).toMatchObject({ kind: "invalid", pid: null, detail: "not a pid: 'abc'" });
    expect(unreadable).toMatchObject({ kind: "invalid", detail: "unreadable: EACCES" });
  });
});

describe("serviceInstances and untrackedInstances", () => {
  // 100: an instance started from a login shell (50, the session leader), with forked workers
  // 101, 102 (same command line). 103 runs under a shell (110) that 100 started, in the same
  // session: the shell is no copy, so 103 is an instance of its own, and 110, 100 and 50 are its
  // launchers. 200: a second instance, started by hand. 300: a different program.
  const processes: ProcessInfo[] = [
    proc({ pid: 50, comm: "bash", argv: ["bash"] }),
    proc({ pid: 100, ppid: 50, sid: 50, argv: API }),
    proc({ pid: 101, ppid: 100, sid: 50, argv: API }),
    proc({ pid: 102, ppid: 100, sid: 50, argv: API }),
    proc({ pid: 110, ppid: 100, sid: 50, comm: "sh", argv: ["sh", "-c", "x"] }),
    proc({ pid: 103, ppid: 110, sid: 50, argv: API }),
    proc({ pid: 200, ppid: 1, argv: API }),
    proc({ pid: 300, ppid: 1, comm: "sleep", argv: ["sleep", "1"] }),
    proc({ pid: 400, ppid: 1, argv: null }),
    proc({ pid: 500, ppid: 1, argv: API, state: "Z" }),
    proc({ pid: 600, ppid: 2, argv: API, kernelThread: true }),
    // A parent loop (a broken fixture or a race): must not hang.
    proc({ pid: 700, ppid: 701, argv: ["other"] }),
    proc({ pid: 701, ppid: 700, argv: API }),
  ];
  const s = snapshot(processes);

  it("instances are the matching processes that are no forked copy of their parent", () => {
    expect(serviceInstances(service(), s, lookupOf(s)).map((p) => p.pid)).toEqual([
      100, 103, 200, 701,
    ]);
  });

  it("a worker in `screen -S worker.py` → bash is the instance, not SCREEN", () => {
    const worker = service("match: { cmdline: '\\bworker\\.py\\b' }");
    const screen = snapshot([
      proc({ pid: 400, ppid: 1, comm: "screen", argv: ["SCREEN", "-S", "worker.py"] }),
      proc({ pid: 401, ppid: 400, comm: "bash", argv: ["/bin/bash"] }),
      proc({ pid: 402, ppid: 401, sid: 401, argv: ["python3", "worker.py"] }),
      proc({ pid: 403, ppid: 402, sid: 401, argv: ["python3", "worker.py"] }),
    ]);
    // SCREEN matches by its own command line, and is an instance of its own; the python process
    // is no copy of it, and its forked child 403 belongs to it.
    expect(serviceInstances(worker, screen, lookupOf(screen)).map((p) => p.pid)).toEqual([
      400, 402,
    ]);
  });

  it("pid 1 is never an instance", () => {
    const inContainer = snapshot([
      proc({ pid: 1, ppid: 0, argv: API }),
      proc({ pid: 20, ppid: 1, argv: API }),
    ]);
    expect(
      serviceInstances(service(), inContainer, lookupOf(inContainer)).map((p) => p.pid),
    ).toEqual([20]);
  });

  it("untracked: instances no ok PID file names; none for a service without PID files", () => {
    const svc = service();
    const instances = serviceInstances(svc, s, lookupOf(s));
    const findings = classifyPidFiles(svc, [read(100), read(300), read(4242)], s, lookupOf(s));
    expect(findings.map((f) => f.kind)).toEqual(["ok", "reused", "stale"]);
    // Without a lookup only the named pid itself counts.
    expect(untrackedInstances(svc, instances, findings).map((p) => p.pid)).toEqual([103, 200, 701]);
    // With one, 100 is also a launcher (an ancestor in its session) of the instance 103.
    expect(untrackedInstances(svc, instances, findings, lookupOf(s)).map((p) => p.pid)).toEqual([
      200, 701,
    ]);
    // A PID file naming a forked worker tracks the instance it belongs to (with a lookup).
    const worker = classifyPidFiles(svc, [read(101)], s, lookupOf(s));
    expect(worker.map((f) => f.kind)).toEqual(["ok"]);
    expect(untrackedInstances(svc, instances, worker).map((p) => p.pid)).toEqual([
      100, 103, 200, 701,
    ]);
    expect(untrackedInstances(svc, instances, worker, lookupOf(s)).map((p) => p.pid)).toEqual([
      103, 200, 701,
    ]);

    const noFiles = service("match: { cmdline: 'uvicorn app:api' }");
    expect(noFiles.pidFiles).toEqual([]);
    expect(untrackedInstances(noFiles, instances, [])).toEqual([]);
  });

  describe("a PID file naming a live launcher of an instance", () => {
    // A wrapper script (900, a session leader: run with setsid) started the instance 901 in its
    // session and wrote its own pid to the file.
    const wrapped: ProcessInfo[] = [
      proc({ pid: 900, ppid: 1, comm: "sh", argv: ["/bin/sh", "/srv/api/start.sh"] }),
      proc({ pid: 901, ppid: 900, sid: 900, argv: API }),
      proc({ pid: 902, ppid: 1, comm: "sleep", argv: ["sleep", "300"] }),
    ];
    const w = snapshot(wrapped);

    it("is ok, the launcher of that instance, and the instance is not untracked", () => {
      const svc = service();
      const findings = classifyPidFiles(svc, [read(900), read(902)], w, lookupOf(w));
      expect(findings).toEqual([
        {
          service: "api",
          path: "/run/api/900.pid",
          pid: 900,
          kind: "ok",
          process: ref(wrapped[0]!),
          detail:
            "pid 900 is running (sh: /bin/sh /srv/api/start.sh), the launcher of instance 901",
        },
        {
          service: "api",
          path: "/run/api/902.pid",
          pid: 902,
          kind: "reused",
          process: ref(wrapped[2]!),
          detail: "pid 902 now belongs to another program (sleep: sleep 300) (file written 3h ago)",
        },
      ]);
      const instances = serviceInstances(svc, w, lookupOf(w));
      expect(instances.map((p) => p.pid)).toEqual([901]);
      expect(untrackedInstances(svc, instances, findings, lookupOf(w))).toEqual([]);
      // Without the launcher's file, the instance is untracked.
      const none = classifyPidFiles(svc, [read(902)], w, lookupOf(w));
      expect(untrackedInstances(svc, instances, none, lookupOf(w)).map((p) => p.pid)).toEqual([
        901,
      ]);
    });

    it("an instance that is a session leader itself (setsid) has no launcher", () => {
      const svc = service();
      const detached = snapshot([wrapped[0]!, proc({ pid: 901, ppid: 900, argv: API })]);
      const findings = classifyPidFiles(svc, [read(900)], detached, lookupOf(detached));
      expect(findings.map((f) => [f.kind, f.detail])).toEqual([
        [
          "reused",
          "pid 900 now belongs to another program (sh: /bin/sh /srv/api/start.sh) (file written 3h ago)",
        ],
      ]);
      const instances = serviceInstances(svc, detached, lookupOf(detached));
      expect(
        untrackedInstances(svc, instances, findings, lookupOf(detached)).map((p) => p.pid),
      ).toEqual([901]);
    });
  });

  describe("launchers stop at the first session leader", () => {
    // sshd → its session process → the login shell (a session leader) → start.sh → the instance.
    const login: ProcessInfo[] = [
      proc({ pid: 800, ppid: 1, comm: "sshd", argv: ["sshd: /usr/sbin/sshd -D"], uid: 0 }),
      proc({ pid: 810, ppid: 800, sid: 800, comm: "sshd", argv: ["sshd: alice [priv]"], uid: 0 }),
      proc({ pid: 820, ppid: 810, comm: "bash", argv: ["-bash"] }),
      proc({ pid: 830, ppid: 820, sid: 820, comm: "sh", argv: ["/bin/sh", "/srv/api/start.sh"] }),
      proc({ pid: 831, ppid: 830, sid: 820, argv: API }),
    ];
    const l = snapshot(login);

    it("a PID file naming the login shell or start.sh tracks the instance", () => {
      const svc = service();
      const findings = classifyPidFiles(svc, [read(820), read(830)], l, lookupOf(l));
      expect(findings.map((f) => [f.kind, f.detail])).toEqual([
        ["ok", "pid 820 is running (bash: -bash), the launcher of instance 831"],
        ["ok", "pid 830 is running (sh: /bin/sh /srv/api/start.sh), the launcher of instance 831"],
      ]);
      const instances = serviceInstances(svc, l, lookupOf(l));
      expect(instances.map((p) => p.pid)).toEqual([831]);
      expect(untrackedInstances(svc, instances, [findings[0]!], lookupOf(l))).toEqual([]);
    });

    it("one naming sshd above the login shell does not: another program, the instance untracked", () => {
      const svc = service();
      const findings = classifyPidFiles(svc, [read(800), read(810)], l, lookupOf(l));
      expect(findings.map((f) => [f.kind, f.detail])).toEqual([
        [
          "reused",
          "pid 800 now belongs to another program (sshd: sshd: /usr/sbin/sshd -D) (file written 3h ago)",
        ],
        [
          "reused",
          "pid 810 now belongs to another program (sshd: sshd: alice [priv]) (file written 3h ago)",
        ],
      ]);
      const instances = serviceInstances(svc, l, lookupOf(l));
      expect(untrackedInstances(svc, instances, findings, lookupOf(l)).map((p) => p.pid)).toEqual([
        831,
      ]);
    });
  });
});

describe("removeStalePidFile", () => {
  let fixture: ProcFixture;
  afterEach(() => fixture?.cleanup());

  function staleFile(name: string, pid: number): PidFileRead {
    const root = tree(`remove-${name}`, { [`${name}.pid`]: `${pid}\n` });
    // An mtime in the past: a rewrite within the same clock tick still changes it.
    utimesSync(join(root, `${name}.pid`), new Date(T0), new Date(T0));
    const [r] = readPidFiles([`${root}/${name}.pid`]);
    expect(r?.pid).toBe(pid);
    return r as PidFileRead;
  }

  it("removes the file when its pid is not running, or is a zombie", () => {
    fixture = new ProcFixture();
    fixture.add({ pid: 31, ppid: 1, state: "Z" });
    const gone = staleFile("gone", 30);
    expect(removeStalePidFile(gone, fixture.root)).toEqual({
      outcome: "removed",
      detail: "removed: pid 30 is not running",
    });
    expect(existsSync(gone.path)).toBe(false);
    const zombie = staleFile("zombie", 31);
    expect(removeStalePidFile(zombie, fixture.root).outcome).toBe("removed");
    expect(existsSync(zombie.path)).toBe(false);
    // Removed by someone else meanwhile: the goal holds.
    expect(removeStalePidFile(gone, fixture.root)).toEqual({
      outcome: "removed",
      detail: "already gone",
    });
  });

  it("keeps a file rewritten since it was read (a new start wrote it): changed", () => {
    fixture = new ProcFixture();
    const inPlace = staleFile("inplace", 40);
    writeFileSync(inPlace.path, "41\n");
    expect(removeStalePidFile(inPlace, fixture.root).outcome).toBe("changed");
    expect(existsSync(inPlace.path)).toBe(true);

    // Same content, written to a new file and renamed over it (a new inode).
    const replaced = staleFile("replaced", 42);
    writeFileSync(`${replaced.path}.tmp`, "42\n");
    utimesSync(`${replaced.path}.tmp`, new Date(T0), new Date(T0));
    renameSync(`${replaced.path}.tmp`, replaced.path);
    const result = removeStalePidFile(replaced, fixture.root);
    expect(result.outcome).toBe("changed");
    expect(result.detail).toMatch(/^not removed: rewritten since it was read/);
    expect(existsSync(replaced.path)).toBe(true);
  });

  it("keeps the file when the pid is running again: alive", () => {
    fixture = new ProcFixture();
    fixture.add({ pid: 50, ppid: 1, comm: "api", argv: API });
    const file = staleFile("alive", 50);
    expect(removeStalePidFile(file, fixture.root)).toEqual({
      outcome: "alive",
      detail: "not removed: pid 50 is running now (api, state S)",
    });
    expect(existsSync(file.path)).toBe(true);
  });

  it("refuses a read without a pid, and a symlink; never throws", () => {
    fixture = new ProcFixture();
    const bad = read(null, { problem: "empty", content: "" });
    expect(removeStalePidFile(bad, fixture.root).outcome).toBe("failed");
    const target = staleFile("target", 60);
    const link = `${target.path}.link`;
    symlinkSync(target.path, link);
    const [viaLink] = readPidFiles([link]);
    expect(removeStalePidFile(viaLink as PidFileRead, fixture.root).outcome).toBe("failed");
    expect(existsSync(link)).toBe(true);
    expect(existsSync(target.path)).toBe(true);
    const unreadableProc = join(fixture.root, "61");
    mkdirSync(join(unreadableProc, "stat"), { recursive: true }); // read() of a directory: EISDIR
    const odd = staleFile("odd", 61);
    expect(removeStalePidFile(odd, fixture.root)).toEqual({
      outcome: "failed",
      detail: "not removed: cannot check pid 61: EISDIR",
    });
    expect(existsSync(odd.path)).toBe(true);
  });
});
