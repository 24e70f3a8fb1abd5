// Disk metrics on real filesystems the test mounts itself (needs root, as in CI): a small tmpfs
// filled to known levels, and a FUSE mount whose server never answers, so statfs on it blocks
// the way it does on a dead NFS server. Every mount is removed in afterAll, even on failure.
import { spawn, spawnSync } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDisks } from "../../src/host/statfs.js";

const PAGE = 4096;

function run(command: string, args: string[], extraFd?: number): void {
  const result = spawnSync(command, args, {
    stdio: extraFd === undefined ? "pipe" : ["ignore", "pipe", "pipe", extraFd],
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr}` +
        (process.getuid?.() === 0 ? "" : " — this test needs root to mount"),
    );
  }
}

function mounted(dir: string): boolean {
  return readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .some((line) => line.split(" ")[1] === dir);
}

/** Pids of live processes with `dir` in their argv (our stat children, or the helper node). */
function processesOn(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      const state = /\) (\S)/.exec(readFileSync(`/proc/${name}/stat`, "utf8"))?.[1];
      if (argv.includes(dir) && state !== "Z") pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe("a real tmpfs of 1 MiB and 1000 inodes", () => {
  const dir = mkdtempSync(join(tmpdir(), "cleanup-tmpfs-"));

  beforeAll(() => {
    run("mount", ["-t", "tmpfs", "-o", "size=1m,nr_inodes=1000", "cleanup-test", dir]);
  });

  afterAll(() => {
    if (mounted(dir)) spawnSync("umount", ["-l", dir]);
    expect(mounted(dir)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports usage as it fills: empty, ~85 %, ~95 %, full", async () => {
    const [empty] = await readDisks([dir], 5000);
    expect(empty).toEqual({
      mount: dir,
      status: "ok",
      totalBytes: 256 * PAGE,
      availableBytes: 256 * PAGE,
      usedPercent: 0,
      inodesTotal: 1000,
      inodesFree: 999, // the root directory's
      inodesUsedPercent: 0.1,
    });

    const file = join(dir, "fill");
    writeFileSync(file, Buffer.alloc(218 * PAGE, 1));
    const [at85] = await readDisks([dir], 5000);
    expect(at85!.usedPercent).toBeGreaterThanOrEqual(80);
    expect(at85!.usedPercent).toBeLessThan(90);
    expect(at85!.usedPercent).toBe((100 * 218) / 256);
    const direct = statfsSync(dir);
    expect(at85!.availableBytes).toBe(direct.bavail * direct.bsize);

    appendFileSync(file, Buffer.alloc(26 * PAGE, 1));
    const [at95] = await readDisks([dir], 5000);
    expect(at95!.usedPercent).toBeGreaterThanOrEqual(90);
    expect(at95!.usedPercent).toBeLessThan(100);

    expect(() => appendFileSync(file, Buffer.alloc(64 * PAGE, 1))).toThrow(/ENOSPC/);
    const [full] = await readDisks([dir], 5000);
    expect(full).toMatchObject({ usedPercent: 100, availableBytes: 0 });
  });

  it("counts inodes as files are created", async () => {
    const before = (await readDisks([dir], 5000))[0]!;
    for (let i = 0; i < 100; i++) writeFileSync(join(dir, `empty-${i}`), "");
    const after = (await readDisks([dir], 5000))[0]!;
    expect(after.inodesTotal).toBe(1000);
    expect(after.inodesFree).toBe(before.inodesFree! - 100);
    expect(after.inodesUsedPercent).toBeCloseTo(before.inodesUsedPercent! + 10, 10);
    expect(after.inodesUsedPercent).toBeGreaterThanOrEqual(10);
  });
});

describe("a FUSE mount whose server never answers", () => {
  const dir = mkdtempSync(join(tmpdir(), "cleanup-hang-"));
  let fuse: number | undefined;

  beforeAll(() => {
    // We hold the server end and never read it: the kernel waits forever for the reply to its
    // INIT request, and every statfs on the mount waits with it (killably).
    fuse = openSync("/dev/fuse", "r+");
    run(
      "mount",
      ["-i", "-t", "fuse", "-o", "fd=3,rootmode=40000,user_id=0,group_id=0", "cleanup-hang", dir],
      fuse,
    );
  });

  afterAll(async () => {
    // Closing the server end aborts the connection: blocked requests fail instead of waiting.
    if (fuse !== undefined) closeSync(fuse);
    fuse = undefined;
    if (mounted(dir)) spawnSync("umount", ["-l", dir]);
    expect(mounted(dir)).toBe(false);
    // Not recursive: if the unmount failed, walking the mount must not be what hangs the suite.
    rmdirSync(dir);
    expect(await waitUntil(() => processesOn(dir).length === 0, 2000)).toBe(true);
  });

  it("gives up on it after the timeout, kills its stat, and still reads the others", async () => {
    const started = performance.now();
    const [hung, root] = await readDisks([dir, "/"], 500);
    const elapsed = performance.now() - started;

    expect(hung).toEqual({ mount: dir, status: "unknown", error: "no answer within 500ms" });
    expect(root).toMatchObject({ mount: "/", status: "ok" });
    expect(root!.usedPercent).toBeGreaterThan(0);
    expect(root!.usedPercent).toBeLessThan(100);
    // At least the timeout; no upper bound: the server never answers, so getting here at all is
    // the proof it gave up, and how long that took depends on how busy the machine is.
    expect(elapsed).toBeGreaterThanOrEqual(490);
    // The stat child was SIGKILLed while the server is still silent: nothing is left blocked.
    expect(await waitUntil(() => processesOn(dir).length === 0, 30_000)).toBe(true);
  });

  it("does not keep a one-shot process from exiting", async () => {
    // The real shape of a run: a Node process that reads the mount and then has nothing left
    // to do must exit on its own (an fs.statfs here would hold the event loop forever).
    const work = mkdtempSync(join(tmpdir(), "cleanup-oneshot-"));
    try {
      await build({
        entryPoints: [fileURLToPath(new URL("../../src/host/statfs.ts", import.meta.url))],
        outfile: join(work, "statfs.mjs"),
        bundle: true,
        platform: "node",
        format: "esm",
        logLevel: "silent",
      });
      writeFileSync(
        join(work, "main.mjs"),
        `import { readDisks } from "./statfs.mjs";\n` +
          `console.log(JSON.stringify(await readDisks([process.argv[2]], 300)));\n`,
      );
      const child = spawn(process.execPath, [join(work, "main.mjs"), dir], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      const code = await new Promise<number | null>((resolve) => {
        const guard = setTimeout(() => {
          child.kill("SIGKILL"); // ours; only if the design is broken
          resolve(null);
        }, 60_000); // a hang guard: the mount never answers, so a design that waits never exits
        child.on("exit", (exitCode) => {
          clearTimeout(guard);
          resolve(exitCode);
        });
      });
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual([
        { mount: dir, status: "unknown", error: "no answer within 300ms" },
      ]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
