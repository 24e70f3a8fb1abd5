// What a dead pool leaves in memory-backed files, found and removed by the agent; what a live
// pool holds, kept. Everything runs in a namespace of the test's own (unshare: a pid namespace,
// so that the only processes are this test's and the agent can read every one of them, and a
// mount namespace whose /dev/shm is a fresh tmpfs, so that CPython's semaphore names, which the
// test cannot choose, live where the test made them). There, two real multiprocessing "pools"
// (fixtures/shm-pool.py: a SharedMemory segment named with the test's token, a Lock's POSIX
// semaphore, a forkserver temp dir in the test's TMPDIR) are started; one and its resource
// tracker are SIGKILLed. Then the agent runs, dry and live, with token-scoped file rules. The
// namespace's init is the shell below; unshare --kill-child is our child, SIGKILLed afterEach,
// which ends every process in the namespace and unmounts its tmpfs.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, Scene } from "../helpers/scene.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/shm-pool.py", import.meta.url));
const isRoot = process.getuid?.() === 0;

let scene: Scene | undefined;
let unshare: ChildProcess | undefined;
afterEach(() => {
  if (unshare && unshare.exitCode === null && unshare.signalCode === null) unshare.kill("SIGKILL");
  scene?.cleanup();
});

interface Pool {
  pid: number;
  tracker: number;
  forkserver: number;
  segment: string;
  semaphore: string;
  tmp: string;
}
interface FileRef {
  path: string;
  sizeBytes: number;
}
interface Report {
  files: {
    plan: {
      entries: { action: string; rule: string; file: FileRef; reasons: string[] }[];
      spared: { rule: string; file: FileRef; code: string; reasons: string[] }[];
    };
    results: { path: string; outcome: string; bytesFreed: number; rule: string }[];
    holders: { unknown: unknown[] };
  };
}

// $1 python, $2 fixture, $3 token, $4 out dir, $5 TMPDIR; then node, the cli and the agent's
// config and state dir. Each step writes what the test reads into the out dir.
const SCRIPT = `set -e
py=$1 fixture=$2 token=$3 out=$4 tmp=$5; shift 5
mount -t tmpfs -o size=64m,mode=1777 "tmpfs-$token" /dev/shm
for role in dead live; do
  TMPDIR=$tmp "$py" "$fixture" $role $token "$out/$role.json" </dev/null >/dev/null 2>"$out/$role.err" &
done
until [ -e "$out/dead.json" ] && [ -e "$out/live.json" ]; do sleep 0.05; done
dead=$(sed 's/.*"pid": \\([0-9]*\\).*/\\1/' "$out/dead.json")
tracker=$(sed 's/.*"tracker": \\([0-9]*\\).*/\\1/' "$out/dead.json")
forkserver=$(sed 's/.*"forkserver": \\([0-9]*\\).*/\\1/' "$out/dead.json")
# The resource tracker first: it would unlink what its pool registered once the pool died.
kill -KILL "$tracker" "$dead"
# Its forkserver exits when it sees its parent gone (EOF on its alive pipe).
while [ -e "/proc/$forkserver" ] && ! grep -q '^State:.*Z' "/proc/$forkserver/status" 2>/dev/null; do sleep 0.05; done
# older_than: 1s below; mtime and ctime both, so wait past it.
sleep 1.2
ls -a /dev/shm "$tmp" > "$out/before.txt"
"$@" --dry-run --json > "$out/dry.json" 2>"$out/dry.err" || echo "exit $?" >> "$out/dry.err"
ls -a /dev/shm "$tmp" > "$out/after-dry.txt"
"$@" --json > "$out/live.json.out" 2>"$out/live.err" || echo "exit $?" >> "$out/live.err"
ls -a /dev/shm "$tmp" > "$out/after-live.txt"
echo done > "$out/done"
`;

describe.skipIf(!isRoot)("leftover files of a dead pool (own pid and mount namespace)", () => {
  it("removes the dead pool's segment, semaphore and temp dir, keeps the live pool's, and audits each unlink", async () => {
    scene = new Scene();
    const s = scene;
    const tmp = join(s.dir, `tmp-${s.token}`);
    const out = join(s.dir, "out");
    for (const d of [tmp, out]) mkdirSync(d, { recursive: true });
    const config = s.rules(`
rules: []
files:
  - name: segments-${s.token}
    paths: ['/dev/shm/psm_${s.token}_*']
    no_holder: true
    older_than: 1s
    action: remove
  - name: semaphores-${s.token}
    # The namespace's own tmpfs: CPython chooses these names, so the directory is the test's.
    paths: ['/dev/shm/sem.mp-*']
    no_holder: true
    older_than: 1s
    action: remove
  - name: pymp-${s.token}
    paths: ['${tmp}/pymp-*']
    kind: dir
    no_holder: true
    older_than: 1s
    action: remove
`);
    unshare = spawn(
      "unshare",
      [
        "--fork",
        "--pid",
        "--mount-proc",
        "--mount",
        "--kill-child",
        "/bin/sh",
        "-c",
        SCRIPT,
        "sh",
        s.python,
        FIXTURE,
        s.token,
        out,
        tmp,
        process.execPath,
        CLI,
        "--config",
        config,
        "--state-dir",
        s.stateDir,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    unshare.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => unshare!.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(existsSync(join(out, "done"))).toBe(true);
    const read = (name: string) => readFileSync(join(out, name), "utf8");
    const dead = JSON.parse(read("dead.json")) as Pool;
    const live = JSON.parse(read("live.json")) as Pool;
    const deadFiles = [dead.segment, dead.semaphore, dead.tmp];
    const liveFiles = [live.segment, live.semaphore, live.tmp];
    const base = (p: string) => p.slice(p.lastIndexOf("/") + 1);
    for (const f of [...deadFiles, ...liveFiles]) expect(read("before.txt")).toContain(base(f));

    // The dry run: the dead pool's three would go, with why; the live pool's are held, by whom.
    expect(read("dry.err"), read("dry.err")).toBe("");
    const dry = JSON.parse(read("dry.json")) as Report;
    expect(dry.files.holders.unknown).toEqual([]);
    const planned = dry.files.plan.entries.filter((e) => e.action === "remove");
    expect(planned.map((e) => e.file.path).sort()).toEqual([...deadFiles].sort());
    for (const e of planned) expect(e.reasons).toContain("no holder");
    const spared = new Map(dry.files.plan.spared.map((x) => [x.file.path, x]));
    expect(spared.get(live.segment)).toMatchObject({ code: "held" });
    expect(spared.get(live.segment)!.reasons.join("; ")).toContain(`held by ${live.pid} (map`);
    expect(spared.get(live.semaphore)!.reasons.join("; ")).toContain(`held by ${live.pid} (map`);
    expect(spared.get(live.tmp)).toMatchObject({ code: "held" });
    expect(spared.get(live.tmp)!.reasons.join("; ")).toContain(
      `held by ${live.forkserver} (socket`,
    );
    expect(dry.files.results.every((r) => r.outcome === "would-remove")).toBe(true);
    // --dry-run removed nothing.
    expect(read("after-dry.txt")).toBe(read("before.txt"));

    // The live run: removed, the bytes freed told; the live pool's all there.
    const told = read("live.err");
    expect(told, told).not.toMatch(/^exit /m);
    // Told (the log sink, as no other is configured): what was removed and the bytes freed.
    expect(told).toContain(`segments-${s.token}: removed 1 leftover file, 1.0MiB freed`);
    expect(told).toContain(`pymp-${s.token}: removed 1 leftover file,`);
    const run = JSON.parse(read("live.json.out")) as Report;
    const results = new Map(run.files.results.map((r) => [r.path, r]));
    for (const f of deadFiles) expect(results.get(f)?.outcome, f).toBe("removed");
    expect(results.get(dead.segment)!.bytesFreed).toBe(1 << 20);
    expect(results.get(dead.semaphore)!.bytesFreed).toBe(32);
    const after = read("after-live.txt");
    for (const f of deadFiles) expect(after).not.toContain(base(f));
    for (const f of liveFiles) expect(after).toContain(base(f));

    // The audit log: one line per unlink, with path, inode, size, owner and rule.
    const audit = readFileSync(join(s.stateDir, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit.map((a) => [a.path, a.outcome, a.action]).sort()).toEqual(
      [
        [dead.segment, "removed", "unlink"],
        [dead.semaphore, "removed", "unlink"],
        [dead.tmp, "removed", "rmdir"],
      ].sort(),
    );
    for (const a of audit) {
      expect(a).toMatchObject({ uid: 0, rule: expect.stringContaining(s.token) });
      expect(typeof a.ino).toBe("number");
    }
  });
});
