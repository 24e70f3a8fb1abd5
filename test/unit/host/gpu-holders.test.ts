// `cleanup status`'s orphans holding GPU devices, on a fixture /proc: fd links may point at
// /dev/nvidia0 without a GPU on this machine (a link's target is never opened).
import { chownSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GPU_DEVICE, GPU_ORPHANS_LIMIT, readGpuHolders } from "../../../src/host/gpu-holders.js";
import { renderStatus } from "../../../src/report/status.js";
import type { RunReport } from "../../../src/report/run-report.js";
import type { ProcessInfo } from "../../../src/scan/types.js";
import { ProcFixture, proc } from "../../helpers/fixtures.js";

const fixtures: ProcFixture[] = [];
afterEach(() => fixtures.splice(0).forEach((f) => f.cleanup()));

function withFds(f: ProcFixture, pid: number, targets: string[]): void {
  const dir = join(f.root, String(pid), "fd");
  mkdirSync(dir, { recursive: true });
  targets.forEach((t, i) => symlinkSync(t, join(dir, String(i))));
}

const orphan = (p: ProcessInfo) => p.ppid === 1;

describe("GPU_DEVICE", () => {
  it.each([
    ["/dev/nvidia0", true],
    ["/dev/nvidiactl", true],
    ["/dev/nvidia-uvm", true],
    ["/dev/dri/renderD128", true],
    ["/dev/kfd", true],
    ["/dev/dri/card0", false],
    ["/dev/nvidia0 (deleted)", true],
    ["/dev/nvidia0 (deleted) x", false],
    ["/tmp/dev/nvidia0", false],
    ["/dev/kfd2", false],
  ])("%s: %s", (target, gpu) => {
    expect(GPU_DEVICE.test(target)).toBe(gpu);
  });
});

describe("readGpuHolders", () => {
  it("lists the orphans holding a GPU device, with each device once; not a live parent's child", () => {
    const f = new ProcFixture();
    fixtures.push(f);
    f.add({ pid: 103, ppid: 1, argv: ["python3", "-c", "w"], uid: 1000 });
    writeFileSync(
      join(f.root, "passwd"),
      "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
    );
    // The owner of /proc/PID/cmdline is the process's uid (root can give the fixture's away).
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(join(f.root, "103", "cmdline"), 1000, 1000);
    const owner = asRoot ? "app" : String(process.getuid?.());
    const processes = [
      proc({ pid: 100, ppid: 1, argv: ["python3", "train.py"], rssBytes: 900 }),
      proc({ pid: 101, ppid: 1, rssBytes: 800 }),
      proc({ pid: 102, ppid: 100, rssBytes: 700 }), // a live pool's worker
      // Not read in detail: its command line and user are read for the listing.
      proc({ pid: 103, ppid: 1, argv: null, user: null, uid: null, rssBytes: 600 }),
      proc({ pid: 104, ppid: 1, rssBytes: 500 }), // fds unreadable (no fd directory)
      proc({ pid: 105, ppid: 1, rssBytes: 400 }), // holds nothing of a GPU
    ];
    withFds(f, 100, ["/dev/null", "/dev/nvidiactl", "/dev/nvidia0", "/dev/nvidia0"]);
    withFds(f, 101, ["/dev/dri/card0", "/dev/dri/renderD128"]);
    withFds(f, 102, ["/dev/nvidia0"]);
    withFds(f, 103, ["/dev/kfd"]);
    withFds(f, 105, ["/dev/null", "socket:[5]"]);
    const gpu = readGpuHolders(processes, orphan, f.root, join(f.root, "passwd"));
    expect(gpu.holders.map((h) => [h.pid, h.user, h.argv.join(" "), h.devices])).toEqual([
      [100, "app", "python3 train.py", ["/dev/nvidiactl", "/dev/nvidia0"]],
      [101, "app", "python3 app.py", ["/dev/dri/renderD128"]],
      [103, owner, "python3 -c w", ["/dev/kfd"]],
    ]);
    expect(gpu).toMatchObject({ checked: 4, skipped: 0, unreadable: 1 });
  });

  it("uses the open files a holds rule already read (null: unknown)", () => {
    const gpu = readGpuHolders(
      [
        proc({ pid: 100, ppid: 1, openFiles: ["/dev/nvidia0"] }),
        proc({ pid: 101, ppid: 1, openFiles: null }),
      ],
      orphan,
      "/nonexistent-proc",
    );
    expect(gpu.holders.map((h) => h.pid)).toEqual([100]);
    expect(gpu).toMatchObject({ checked: 1, unreadable: 1 });
  });

  it(`looks at the ${GPU_ORPHANS_LIMIT} largest orphans by RSS only`, () => {
    const f = new ProcFixture();
    fixtures.push(f);
    const processes = Array.from({ length: GPU_ORPHANS_LIMIT + 2 }, (_, i) =>
      proc({ pid: 1000 + i, ppid: 1, rssBytes: 10_000_000 - i, openFiles: [] }),
    );
    // The largest and the smallest hold a GPU: only the largest is looked at.
    processes[0]!.openFiles = ["/dev/nvidia0"];
    processes[GPU_ORPHANS_LIMIT + 1]!.openFiles = ["/dev/nvidia1"];
    const gpu = readGpuHolders(processes, orphan, f.root);
    expect(gpu.holders.map((h) => h.pid)).toEqual([1000]);
    expect(gpu).toMatchObject({ checked: GPU_ORPHANS_LIMIT, skipped: 2, unreadable: 0 });
  });
});

describe("status text", () => {
  const report = (gpuHolders: RunReport["gpuHolders"]): RunReport => ({
    outcome: "ok",
    mode: "status",
    dryRun: true,
    configFile: "/etc/cleanup/rules.yaml",
    stateDir: "/var/lib/cleanup",
    auditLog: null,
    actor: { uid: 0, mayKillAnyUser: true },
    results: [],
    stateProblems: [],
    durationMs: 1,
    ...(gpuHolders && { gpuHolders }),
  });

  it("shows ORPHANS HOLDING GPU DEVICES with pid, rss, user, command and devices", () => {
    const text = renderStatus(
      report({
        holders: [
          {
            pid: 4123,
            startTicks: 1,
            ppid: 1,
            user: "app",
            comm: "python3",
            argv: ["python3", "train.py"],
            rssBytes: 1536 * 2 ** 20,
            ageMs: 3_600_000,
            devices: ["/dev/nvidiactl", "/dev/nvidia0"],
          },
        ],
        checked: 12,
        skipped: 0,
        unreadable: 2,
      }),
      false,
    );
    const section = text.slice(text.indexOf("ORPHANS HOLDING GPU DEVICES"));
    expect(section.split("\n").slice(0, 4)).toEqual([
      "ORPHANS HOLDING GPU DEVICES (12 orphans checked; 2 orphans with unreadable fds)",
      "      PID       RSS     AGE  USER      COMMAND",
      "     4123    1.5GiB      1h  app       python3 train.py",
      "           holds /dev/nvidiactl, /dev/nvidia0 (parent 1)",
    ]);
  });

  it("says none when no orphan holds one", () => {
    const text = renderStatus(
      report({ holders: [], checked: 3, skipped: 0, unreadable: 0 }),
      false,
    );
    expect(text).toContain("ORPHANS HOLDING GPU DEVICES (3 orphans checked)\n  none\n");
  });
});
