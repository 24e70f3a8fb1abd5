// The state and textfile directories against another user and a full disk, through the real
// binary: symlinks planted at every name are never followed, a directory another user controls
// is refused (exit 6) unless settings.trust_paths accepts it, a full tmpfs truncates nothing,
// and a bad or unreadable outbox loses no notification. Rules match only the scene's token.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statfsSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { logLines, warnings } from "../helpers/log-lines.js";
import { HttpReceiver, freePort } from "../helpers/receivers.js";
import { Scene } from "../helpers/scene.js";

let scene: Scene | undefined;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  scene?.cleanup();
  scene = undefined;
});

const STATE_NAMES = [
  "outbox.json",
  "alerts.json",
  "cpu.json",
  "health.json",
  "last-run.json",
  "cleanup.lock",
  "cleanup.lock.takeover",
];

/** A directory of files symlinks point at; each must be unchanged after the run. */
function victims(): { dir: string; target(name: string): string; unchanged(): void } {
  const dir = mkdtempSync(join(tmpdir(), "cleanup-victim-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const made = new Map<string, string>();
  return {
    dir,
    target(name) {
      const path = join(dir, name.replace(/^\./, "dot-"));
      if (!made.has(path)) {
        const text = `ORIGINAL ${name}\n`;
        writeFileSync(path, text, { mode: 0o640 });
        made.set(path, text);
      }
      return path;
    },
    unchanged() {
      for (const [path, text] of made) {
        expect(readFileSync(path, "utf8"), path).toBe(text);
        expect(statSync(path).mode & 0o7777, path).toBe(0o640);
      }
      expect(readdirSync(dir).sort()).toEqual(
        [...made.keys()].map((p) => p.slice(dir.length + 1)).sort(),
      );
    },
  };
}

/**
 * The temp names of before (`.NAME.tmp-PID`) for the next few hundred pids: the agent, spawned
 * right after, is all but sure to get one of them.
 */
function plantOldTempNames(dir: string, names: readonly string[], target: string): void {
  const last = Number(readFileSync("/proc/sys/kernel/ns_last_pid", "utf8"));
  for (let pid = last + 1; pid <= last + 300; pid++) {
    for (const name of names) symlinkSync(target, join(dir, `.${name}.tmp-${pid}`));
  }
}

const OFF = "thresholds: { memory: false, cpu: false, disk: false }";

const killConfig = (s: Scene, head = ""): string => s.killRules({ quiet: true, head });

async function receiver(): Promise<HttpReceiver> {
  const r = new HttpReceiver();
  await r.listen();
  cleanups.push(() => r.close());
  return r;
}

const hookSink = (port: number) => `
alerts:
  sinks:
    - { name: hook, type: webhook, url: 'http://127.0.0.1:${port}/alerts', timeout: 2s }
`;

describe("planted symlinks", () => {
  it("a live run follows none planted at the state files' names or the old temp names", async () => {
    scene = new Scene();
    const orphan = await scene.orphan("o");
    const v = victims();
    mkdirSync(scene.stateDir, { mode: 0o700 });
    for (const name of STATE_NAMES) symlinkSync(v.target(name), join(scene.stateDir, name));
    plantOldTempNames(scene.stateDir, STATE_NAMES, v.target("old-temp"));

    const run = await scene.run(killConfig(scene), { json: true });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(scene.alive(orphan.pid)).toBe(false);
    v.unchanged();
    // What was a link is now the agent's own file (the links were set aside, not followed).
    for (const name of ["outbox.json", "alerts.json", "cpu.json", "last-run.json"]) {
      const path = join(scene.stateDir, name);
      expect(lstatSync(path).isFile(), name).toBe(true);
      expect(JSON.parse(readFileSync(path, "utf8")).version).toBe(1);
    }
    expect(run.json!.stateProblems.join("\n")).toMatch(/outbox\.json: a symbolic link.*set aside/);
  });

  it("a symlink at audit.jsonl: the run refuses it (exit 6), kills nothing, writes nothing there", async () => {
    scene = new Scene();
    const orphan = await scene.orphan("o");
    const v = victims();
    mkdirSync(scene.stateDir, { mode: 0o700 });
    symlinkSync(v.target("audit.jsonl"), join(scene.stateDir, "audit.jsonl"));
    const run = await scene.run(killConfig(scene));
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/cannot open the audit log .*audit\.jsonl/);
    expect(scene.alive(orphan.pid)).toBe(true);
    v.unchanged();
    expect(existsSync(join(scene.stateDir, "cleanup.lock"))).toBe(false);
  });

  it("--dry-run --textfile follows none planted in the textfile dir or the state dir", async () => {
    scene = new Scene();
    const orphan = await scene.orphan("o");
    const v = victims();
    const textfiles = join(scene.dir, "textfiles");
    mkdirSync(textfiles, { mode: 0o755 });
    symlinkSync(v.target("cleanup.prom"), join(textfiles, "cleanup.prom"));
    plantOldTempNames(textfiles, ["cleanup.prom"], v.target("old-prom-temp"));
    mkdirSync(scene.stateDir, { mode: 0o700 });
    for (const name of STATE_NAMES) symlinkSync(v.target(name), join(scene.stateDir, name));

    const run = await scene.run(killConfig(scene), {
      dryRun: true,
      extra: ["--textfile", textfiles],
    });
    // Nothing on stderr but the warnings (the links, left in place): log lines, no error.
    const logged = logLines(run.stderr);
    expect(logged).toHaveLength(run.stderr.split("\n").filter((l) => l !== "").length);
    expect(logged.map((l) => l.level)).not.toContain("error");
    expect(warnings(run.stderr)).toMatch(/^state file .*: a symbolic link/m);
    expect(run.code).toBe(0);
    expect(scene.alive(orphan.pid)).toBe(true);
    v.unchanged();
    const prom = join(textfiles, "cleanup.prom");
    expect(lstatSync(prom).isFile()).toBe(true);
    expect(readFileSync(prom, "utf8")).toMatch(/^cleanup_/m);
    expect(statSync(prom).mode & 0o777).toBe(0o644);
    // A dry run changes no state: the links are still there, untouched.
    for (const name of STATE_NAMES)
      expect(lstatSync(join(scene.stateDir, name)).isSymbolicLink()).toBe(true);
  });
});

describe("a state or textfile dir another user controls (as root)", () => {
  it("0777 without the sticky bit: refused with exit 6, naming path, owner and mode", async () => {
    scene = new Scene();
    const orphan = await scene.orphan("o");
    mkdirSync(scene.stateDir);
    chmodSync(scene.stateDir, 0o777);
    const run = await scene.run(killConfig(scene));
    expect(run.code).toBe(6);
    expect(run.stderr).toContain(`refusing the state directory ${scene.stateDir}`);
    expect(run.stderr).toContain("owner root (uid 0), mode 0777");
    expect(run.stderr).toContain("settings.trust_paths");
    expect(scene.alive(orphan.pid)).toBe(true);
    expect(readdirSync(scene.stateDir)).toEqual([]);
    // A dry run refuses it too: it says beforehand what the live run would do.
    const dry = await scene.run(killConfig(scene), { dryRun: true });
    expect(dry.code).toBe(6);
  });

  it("owned by nobody: refused with exit 6; listed in settings.trust_paths: accepted, with a warning", async () => {
    scene = new Scene();
    const orphan = await scene.orphan("o");
    mkdirSync(scene.stateDir, { mode: 0o700 });
    chownSync(scene.stateDir, 65534, 65534);
    const refused = await scene.run(killConfig(scene));
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(
      new RegExp(
        `${scene.stateDir}.*owned by another user: owner [a-z]+ \\(uid 65534\\), mode 0700`,
      ),
    );
    expect(scene.alive(orphan.pid)).toBe(true);

    const trusted = await scene.run(
      killConfig(scene, `settings: { trust_paths: ['${scene.stateDir}'] }`),
    );
    expect(trusted.code).toBe(0);
    expect(scene.alive(orphan.pid)).toBe(false);
    // A warning: a log line on stderr, not part of the report.
    expect(warnings(trusted.stderr)).toMatch(
      /^state directory: .* owned by another user.*; accepted \(settings\.trust_paths\)/m,
    );
  });

  it("a parent directory writable by all without the sticky bit: refused; a 0777 textfile dir too", async () => {
    scene = new Scene();
    const shared = join(scene.dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const stateDir = join(shared, "state");
    const config = killConfig(scene);
    const run = await scene.run(config, { dryRun: true, stateDir });
    // The state dir does not exist (a dry run creates nothing); a live run would create it there.
    expect(run.code).toBe(0);
    const live = await scene.run(config, { stateDir });
    expect(live.code).toBe(6);
    expect(live.stderr).toContain(`${shared} is writable by every user (no sticky bit)`);
    rmSync(stateDir, { recursive: true, force: true });

    const textfiles = join(scene.dir, "textfiles");
    mkdirSync(textfiles);
    chmodSync(textfiles, 0o777);
    const prom = await scene.run(config, { dryRun: true, extra: ["--textfile", textfiles] });
    expect(prom.code).toBe(6);
    expect(prom.stderr).toContain(`refusing the textfile directory ${textfiles}`);
    expect(readdirSync(textfiles)).toEqual([]);
    // The daemon checks it once, before its first run, and does not start.
    const daemon = await scene.run(config, {
      command: "daemon",
      extra: ["--schedule", "*/30 * * * *", "--textfile", textfiles],
    });
    expect(daemon.code).toBe(6);
    expect(daemon.stderr).toContain(`refusing the textfile directory ${textfiles}`);
    expect(readdirSync(textfiles)).toEqual([]);
  });
});

describe("a full disk (a 256 KiB tmpfs as the state dir, filled to 8 KiB free)", () => {
  it("truncates neither outbox nor alert state; the queue is delivered once space returns", async () => {
    scene = new Scene();
    const s = scene;
    await s.orphan("o");
    mkdirSync(s.stateDir, { mode: 0o700 });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", s.stateDir]);
    cleanups.push(() => {
      execFileSync("umount", [s.stateDir]);
    });

    // The state of earlier runs: 30 notifications queued for the hook, 20 conditions seen once.
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const queued = Array.from({ length: 30 }, (_, i) => ({
      id: `rule:earlier-${i}@${at}#firing`,
      key: `rule:earlier-${i}`,
      status: "firing",
      reminder: false,
      severity: "warning",
      summary: `earlier condition ${i}`,
      details: [`detail ${"x".repeat(150)}`],
      labels: { alertname: "CleanupRule", rule: `earlier-${i}` },
      host: "test-host",
      startsAt: at,
      createdAt: at,
    }));
    const outboxText = JSON.stringify({ version: 1, pending: { hook: queued }, dropped: {} });
    const open = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [
        `rule:seen-${i}`,
        {
          severity: "warning",
          summary: `seen ${i} ${"y".repeat(100)}`,
          details: [],
          labels: {},
          consecutive: 1,
          firstSeenAt: at,
        },
      ]),
    );
    const alertsText = JSON.stringify({ version: 1, open });
    writeFileSync(join(s.stateDir, "outbox.json"), outboxText, { mode: 0o600 });
    writeFileSync(join(s.stateDir, "alerts.json"), alertsText, { mode: 0o600 });
    expect(outboxText.length).toBeGreaterThan(10 * 1024);
    // Leave 8 KiB: room for the lock and a small file, not for the outbox.
    const fs = statfsSync(s.stateDir);
    const filler = join(s.stateDir, "filler");
    writeFileSync(filler, Buffer.alloc(fs.bavail * fs.bsize - 8 * 1024));

    const config = (port: number) =>
      s.rules(`${OFF}\n${hookSink(port)}
rules:
  - name: scene-alert
    match: { cmdline: '^${s.pattern} ' }
    action: alert
`);
    const down = await s.run(config(await freePort()));
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(
      /hook \(webhook\): FAILED: .*; 30 still in the outbox from earlier runs, 1 of this run's could not be saved/,
    );
    expect(warnings(down.stderr)).toMatch(/^state file .*outbox\.json: cannot write: .*ENOSPC/m);
    expect(warnings(down.stderr)).toMatch(/^alert state not saved/m);
    expect(readFileSync(join(s.stateDir, "outbox.json"), "utf8")).toBe(outboxText);
    expect(readFileSync(join(s.stateDir, "alerts.json"), "utf8")).toBe(alertsText);
    expect(readdirSync(s.stateDir).filter((n) => n.includes(".tmp-"))).toEqual([]);

    rmSync(filler);
    const hook = await receiver();
    const up = await s.run(config(hook.port), { json: true });
    expect(up.json!.stateProblems).toEqual([]);
    expect(up.code).toBe(0);
    expect(hook.requests).toHaveLength(1);
    const sent = JSON.parse(hook.requests[0]!.body) as {
      notifications: { id: string; key: string }[];
    };
    expect(sent.notifications.slice(0, 30).map((n) => n.id)).toEqual(queued.map((n) => n.id));
    // Run 1's alert was never told (its state was not saved): this run tells it.
    expect(sent.notifications.slice(30).map((n) => n.key)).toEqual(["rule:scene-alert"]);
    const after = JSON.parse(readFileSync(join(s.stateDir, "outbox.json"), "utf8"));
    expect(after.pending.hook).toEqual([]);
  });
});

describe("a bad or unreadable outbox", () => {
  async function killRun(outbox: (path: string) => void) {
    scene = new Scene();
    const orphan = await scene.orphan("o");
    const hook = await receiver();
    mkdirSync(scene.stateDir, { mode: 0o700 });
    outbox(join(scene.stateDir, "outbox.json"));
    const run = await scene.run(killConfig(scene, hookSink(hook.port)), { json: true });

    expect(scene.alive(orphan.pid)).toBe(false);
    const keys = hook.requests.flatMap(
      (r) => (JSON.parse(r.body) as { notifications: { key: string; id: string }[] }).notifications,
    );
    return { run, keys, dir: scene.stateDir };
  }

  const good = {
    id: "rule:kept@2026-12-01T00:00:00.000Z#firing",
    key: "rule:kept",
    status: "firing",
    reminder: false,
    severity: "warning",
    summary: "kept",
    details: [],
    labels: {},
    host: "h",
    startsAt: "2026-12-01T00:00:00.000Z",
    createdAt: "2026-12-01T00:00:00.000Z",
  };
  const rejectedFile = (dir: string) => {
    const name = readdirSync(dir).find((n) => /^outbox\.rejected-.*\.json$/.test(n));
    expect(name).toBeDefined();
    return JSON.parse(readFileSync(join(dir, name!), "utf8")) as {
      entries: { where: string; value: unknown }[];
    };
  };

  it("a wrong-typed queue ({pending: {hook: 5}}): set aside; the kill is told; no exit 70", async () => {
    const { run, keys, dir } = await killRun((path) =>
      writeFileSync(path, '{"version":1,"pending":{"hook":5},"dropped":{}}'),
    );
    expect(run.code).toBe(0);
    expect(keys.map((k) => k.key)).toEqual(["killed:scene-orphans"]);
    expect(rejectedFile(dir).entries).toMatchObject([{ where: "pending.hook", value: 5 }]);
    expect(run.json!.stateProblems.join("\n")).toMatch(/1 bad entry \(pending\.hook: not a list/);
  });

  it("a poison entry beside good ones: only it is set aside; the good one is delivered", async () => {
    const { run, keys, dir } = await killRun((path) =>
      writeFileSync(
        path,
        JSON.stringify({
          version: 1,
          pending: { hook: [null, good, { id: 7 }] },
          dropped: { hook: "x" },
        }),
      ),
    );
    expect(run.code).toBe(0);
    expect(keys.map((k) => k.key)).toEqual(["rule:kept", "killed:scene-orphans"]);
    expect(rejectedFile(dir).entries.map((e) => e.where)).toEqual([
      "pending.hook[0]",
      "pending.hook[2]",
      "dropped.hook",
    ]);
    expect(JSON.parse(readFileSync(join(dir, "outbox.json"), "utf8")).pending.hook).toEqual([]);
  });

  it("an unreadable outbox (a directory in its place): left as it is, the kill still told, exit 1", async () => {
    const { run, keys, dir } = await killRun((path) => {
      mkdirSync(path);
      writeFileSync(join(path, "inside"), "kept");
    });
    expect(run.code).toBe(1);
    expect(keys.map((k) => k.key)).toEqual(["killed:scene-orphans"]);
    expect(readFileSync(join(dir, "outbox.json", "inside"), "utf8")).toBe("kept");
    expect(run.json!.stateProblems.join("\n")).toMatch(
      /outbox\.json: cannot read: not a regular file; left as it is, and not written this run/,
    );
  });
});
