// `cleanup status` on a fixture /proc whose orphan holds /dev/nvidia0 (a fixture fd link: no
// GPU device node exists on the test machine): the text section and `gpuHolders` in the JSON,
// which report.schema.json accepts. A live pool's worker holding the device is no orphan.
import Ajv from "ajv";
import {
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { renderJsonChunks } from "../../../src/report/json.js";
import { renderStatus } from "../../../src/report/status.js";
import { runOnce } from "../../../src/run/run-once.js";
import { ProcFixture } from "../../helpers/fixtures.js";

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
/** Pids no real process has here (pid_max is at most 4,194,304). */
const ORPHAN = 4_190_301;
const PARENT = 4_190_302;
const WORKER = 4_190_303;
const IDLE = 4_190_304;
const UID = 4242;

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function tmp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function fds(f: ProcFixture, pid: number, targets: string[]): void {
  const dir = join(f.root, String(pid), "fd");
  mkdirSync(dir);
  targets.forEach((t, i) => symlinkSync(t, join(dir, String(i))));
}

const schema = JSON.parse(
  readFileSync(new URL("../../../report.schema.json", import.meta.url), "utf8"),
) as object;

describe("cleanup status: ORPHANS HOLDING GPU DEVICES", () => {
  it("lists the orphan holding /dev/nvidia0, not a live parent's worker, and says it in JSON", async () => {
    const f = new ProcFixture(1_000_000);
    cleanups.push(() => f.cleanup());
    const train = ["python3", "/srv/train/train.py"];
    f.add({ pid: 1, ppid: 0, comm: "systemd", argv: ["/sbin/init"], uid: 0, startTicks: 1 });
    f.add({ pid: ORPHAN, ppid: 1, argv: train, uid: UID, startTicks: 40_000_000, rssPages: 9000 });
    f.add({ pid: PARENT, ppid: 1, argv: train, uid: UID, startTicks: 50_000_000 });
    f.add({ pid: WORKER, ppid: PARENT, argv: train, uid: UID, startTicks: 50_000_100 });
    f.add({ pid: IDLE, ppid: 1, argv: ["sleep", "1d"], uid: UID, startTicks: 60_000_000 });
    // Not read in detail (no rule): its user is the owner of its cmdline, as in /proc.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(join(f.root, String(ORPHAN), "cmdline"), UID, UID);
    const user = asRoot ? "trainer" : String(process.getuid?.());
    fds(f, ORPHAN, ["/dev/null", "/dev/nvidiactl", "/dev/nvidia0", "socket:[9]"]);
    fds(f, PARENT, ["/dev/null"]);
    fds(f, WORKER, ["/dev/nvidia0"]);
    fds(f, IDLE, ["/dev/null"]);
    writeFileSync(
      join(f.root, "meminfo"),
      "MemTotal:       8000000 kB\nMemAvailable:   6000000 kB\nSwapTotal:            0 kB\nSwapFree:             0 kB\n",
    );
    writeFileSync(join(f.root, "loadavg"), "0.50 0.40 0.30 2/300 4190303\n");
    writeFileSync(join(f.root, "stat"), "cpu  1000 0 0 9000 0 0 0 0 0 0\n");
    const config = join(tmp("cleanup-status-gpu-config-"), "rules.yaml");
    writeFileSync(config, "thresholds: { memory: false, cpu: false, disk: false }\nrules: []\n");
    const passwd = join(tmp("cleanup-status-gpu-passwd-"), "passwd");
    writeFileSync(passwd, `root:x:0:0::/root:/bin/sh\ntrainer:x:${UID}:${UID}::/home/t:/bin/sh\n`);

    const report = await runOnce({
      configPath: config,
      mode: "status",
      stateDir: tmp("cleanup-status-gpu-state-"),
      procRoot: f.root,
      clock: { now: () => NOW, monotonic: () => 0, sleep: async () => {} },
      actor: { uid: 0, mayKillAnyUser: true },
      hostname: "fixture-host",
      passwdPath: passwd,
      logStream: new PassThrough(),
      kill: () => {
        throw new Error("status signals nothing");
      },
    });

    const text = renderStatus(report, false);
    const section = text.slice(text.indexOf("\nORPHANS HOLDING GPU DEVICES") + 1).split("\n");
    expect([section[0], section[1], section[3]]).toEqual([
      "ORPHANS HOLDING GPU DEVICES (3 orphans checked)",
      "      PID       RSS     AGE  USER      COMMAND",
      "           holds /dev/nvidiactl, /dev/nvidia0 (parent 1)",
    ]);
    expect(section[2]).toMatch(
      new RegExp(`^ {2}${ORPHAN} +35\\.2MiB +\\S+ +${user} +python3 /srv/train/train\\.py$`),
    );

    const json = JSON.parse([...renderJsonChunks(report, 0)].join("")) as {
      gpuHolders: unknown;
    };
    expect(json.gpuHolders).toEqual({
      holders: [
        {
          pid: ORPHAN,
          startTicks: 40_000_000,
          ppid: 1,
          user,
          comm: "x",
          argv: train,
          rssBytes: 9000 * 4096,
          ageMs: expect.any(Number),
          devices: ["/dev/nvidiactl", "/dev/nvidia0"],
        },
      ],
      checked: 3,
      skipped: 0,
      unreadable: 0,
    });
    const validate = new Ajv({ allErrors: true }).compile(schema);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
  });
});
