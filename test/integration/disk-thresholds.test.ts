// Disk thresholds through the real binary: a size-limited tmpfs the test mounts and fills, and a
// FUSE mount whose server never answers. Needs root (mount), as CI has. Every mount is removed
// in afterAll; no process is signalled.
import { spawnSync } from "node:child_process";
import { appendFileSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Scene, type AgentRun } from "../helpers/scene.js";

const PAGE = 4096;
const mounted = (dir: string): boolean =>
  readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .some((line) => line.split(" ")[1] === dir);

let scene: Scene;
let tmpfsDir: string;
let fuseDir: string;
let fuseFd: number | undefined;

beforeAll(() => {
  scene = new Scene();
  tmpfsDir = mkdtempSync(join(tmpdir(), "cleanup-thr-tmpfs-"));
  fuseDir = mkdtempSync(join(tmpdir(), "cleanup-thr-fuse-"));
  const tmpfs = spawnSync("mount", [
    "-t",
    "tmpfs",
    "-o",
    "size=1m,nr_inodes=1000",
    "cleanup-test",
    tmpfsDir,
  ]);
  if (tmpfs.status !== 0) throw new Error(`mount tmpfs needs root: ${tmpfs.stderr}`);
  // A FUSE connection whose INIT is never answered: every statfs on it waits.
  fuseFd = openSync("/dev/fuse", "r+");
  const fuse = spawnSync(
    "mount",
    ["-i", "-t", "fuse", "-o", "fd=3,rootmode=40000,user_id=0,group_id=0", "cleanup-hang", fuseDir],
    {
      stdio: ["ignore", "pipe", "pipe", fuseFd],
    },
  );
  if (fuse.status !== 0) throw new Error(`mount fuse failed: ${fuse.stderr}`);
});

afterAll(() => {
  if (fuseFd !== undefined) closeSync(fuseFd); // aborts the connection: waiting statfs calls fail
  for (const dir of [fuseDir, tmpfsDir]) {
    if (dir && mounted(dir)) spawnSync("umount", ["-l", dir]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  scene?.cleanup();
});

function config(mounts: string[]): string {
  return scene.killRules({
    head: `
settings: { statfs_timeout: 700ms }
thresholds:
  disk: { warn: 80%, critical: 90%, mounts: [${mounts.map((m) => JSON.stringify(m)).join(", ")}] }
`,
    file: `disk-${mounts.length}-${Math.random().toString(36).slice(2)}.yaml`,
  });
}

const level = (json: NonNullable<AgentRun["json"]>, key: string) =>
  json.thresholds.find((t: { key: string }) => t.key === key);

describe("disk thresholds on real filesystems", () => {
  it("a tmpfs filled to ~85 % is at warn, to ~95 % at critical", async () => {
    const file = join(tmpfsDir, "fill");
    appendFileSync(file, Buffer.alloc(217 * PAGE, 1)); // about 85 % of 256 pages
    const warn = await scene.runAgent(["status", "--json", "--config", config([tmpfsDir])]);
    expect(warn.code).toBe(0);
    expect(level(warn.json!, `disk:${tmpfsDir}`)).toMatchObject({
      level: "warn",
      warn: 80,
      critical: 90,
    });
    const value = level(warn.json!, `disk:${tmpfsDir}`).value as number;
    expect(value).toBeGreaterThanOrEqual(80);
    expect(value).toBeLessThan(90);

    appendFileSync(file, Buffer.alloc(26 * PAGE, 1));
    const critical = await scene.runAgent(["status", "--config", config([tmpfsDir])]);
    expect(critical.stdout).toMatch(
      new RegExp(`disk ${tmpfsDir} +9\\d\\.\\d% +CRITICAL +warn 80%, critical 90%`),
    );
  });

  it("a mount that does not answer is unknown within the timeout, and the run goes on", async () => {
    const run = await scene.run(config([fuseDir, "/"]), { json: true });

    // The FUSE connection is answered by no one until afterAll closes it: a run that waited on
    // the mount would never end (the test's own timeout would fail it). That the run ended with
    // the mount unknown after its 700 ms is the proof; how long it took depends on the machine.
    expect(run.code).toBe(0);
    expect(level(run.json!, `disk:${fuseDir}`)).toMatchObject({ level: "unknown", value: null });
    expect(level(run.json!, `disk:${fuseDir}`).message).toContain("no answer within 700ms");
    expect(level(run.json!, "disk:/").level).not.toBe("unknown");
    expect(run.json!.scan.processes).toBeGreaterThan(1);
  });
});
