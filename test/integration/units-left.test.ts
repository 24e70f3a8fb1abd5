// A process left in the cgroup of a stopped unit, under a real systemd: this machine's root booted
// as a container (helpers/nspawn.ts). Two services run the same token-marked program with the
// same argv, both with parent 1 (the container's systemd): one with KillMode=process, whose
// worker outlives `systemctl stop` in the stopped unit's cgroup, and one still active, whose main
// process it is. "Parent is PID 1" cannot tell them apart; `unit_stopped` can. Every rule names
// this test's token; every process lives in the container, which afterAll halts.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Container, nspawnUnavailable, until } from "../helpers/nspawn.js";
import { waitFor } from "../helpers/scene.js";

const PACKAGE = fileURLToPath(new URL("../../", import.meta.url));
const PYTHON = "/usr/bin/python3";
const unavailable =
  nspawnUnavailable() ??
  (existsSync(PYTHON) ? null : `${PYTHON} missing`) ??
  (existsSync(join(PACKAGE, "dist/cli.js")) ? null : "dist/cli.js missing: npm run build");

// Bounds set here, generous: the host may be saturated.
const BOOT_MS = 120_000;
const STEP_MS = 60_000;

const token = randomBytes(6).toString("hex");
const dir = join(tmpdir(), `cleanup-units-${token}`);
const scene = join(dir, "scene");
const SRV = `/srv/cleanup-units-${token}`;
const PY = `${SRV}/python3-${token}`;
const FIXTURE = "/opt/cleanup/test/fixtures/orphan.py";
const CLI = "/opt/cleanup/dist/cli.js";
const LEFT = `cleanup-test-${token}-left.service`;
const LIVE = `cleanup-test-${token}-live.service`;
const RULES = `/etc/cleanup-${token}/rules.yaml`;
const STATE = `/var/lib/cleanup-test-${token}`;
const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// The worker is the shell's child: `systemctl stop` with KillMode=process signals the shell
// (the main process) only, and the worker stays in the unit's cgroup with parent 1.
const LEFT_UNIT = `[Unit]
Description=cleanup test ${token}: a worker left behind
[Service]
Type=simple
KillMode=process
ExecStart=/bin/sh -c '"$$@" & wait' sh ${PY} ${FIXTURE} ${SRV}/ready/left
`;
// The same program as a service's main process: parent 1, its own session, an active unit.
const LIVE_UNIT = `[Unit]
Description=cleanup test ${token}: a live service with the same argv
[Service]
Type=simple
ExecStart=${PY} ${FIXTURE} ${SRV}/ready/live
`;
// One rule for both: the program's own argv up to its ready file's directory, the test's units
// only, and the unit no longer active.
const TOKEN_RULES = `thresholds: { memory: false, cpu: false, disk: false }
rules:
  - name: left-in-stopped
    match:
      cmdline: '^${esc(PY)} ${esc(FIXTURE)} ${esc(SRV)}/ready/(left|live)$'
      unit: 'cleanup-test-${token}-*.service'
      unit_stopped: true
    action: kill
    grace: 2s
`;

let container: Container | undefined;
const inside = () => container!;

interface Started {
  pid: number;
  start: string;
}

async function alive(p: Started): Promise<boolean> {
  const now = await inside().stat(p.pid);
  return now !== null && now.start === p.start && now.state !== "Z" && now.state !== "X";
}

async function readyPid(name: string): Promise<Started> {
  const file = join(scene, "ready", name);
  await waitFor(`${name} to be ready`, () => existsSync(file), 30_000);
  const pid = (JSON.parse(readFileSync(file, "utf8")) as { pid: number }).pid;
  const stat = await inside().stat(pid);
  expect(stat, `${name} (pid ${pid})`).not.toBeNull();
  return { pid, start: stat!.start };
}

interface Ref {
  pid: number;
  unit?: { name: string; state: string; stopped?: boolean };
}
interface Report {
  plan: {
    entries: { rule: string; action: string; process: Ref; facts: string[] }[];
    spared: { rule: string; code: string; process: Ref; reasons: string[] }[];
  };
  leftInStoppedUnits?: { processes: Ref[]; unitsChecked: number; problem: string | null };
}

async function agent(args: string[]): Promise<{ code: number | null; report: Report }> {
  const r = await inside().exec([CLI, ...args, "--state-dir", STATE], { timeoutMs: STEP_MS });
  try {
    return { code: r.code, report: JSON.parse(r.stdout) as Report };
  } catch {
    throw new Error(`cleanup ${args.join(" ")}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  }
}

let left: Started;
let live: Started;

describe.skipIf(unavailable !== null)(
  `a process left in a stopped unit, under a real systemd (nspawn)${unavailable ? ` — skipped: ${unavailable}` : ""}`,
  () => {
    beforeAll(
      async () => {
        mkdirSync(join(scene, "ready"), { recursive: true });
        symlinkSync(PYTHON, join(scene, `python3-${token}`));
        container = await Container.boot({
          name: `cleanup-units-${token}`,
          dir,
          bootTimeoutMs: BOOT_MS,
          mounts: [
            { host: PACKAGE, container: "/opt/cleanup", readOnly: true },
            { host: scene, container: SRV, readOnly: false },
          ],
          prepare: ({ etc }) => mkdirSync(join(etc, `cleanup-${token}`)),
        });
        await inside().write(`/etc/systemd/system/${LEFT}`, LEFT_UNIT);
        await inside().write(`/etc/systemd/system/${LIVE}`, LIVE_UNIT);
        await inside().write(RULES, TOKEN_RULES);
        await inside().sh(`systemctl daemon-reload && systemctl start ${LEFT} ${LIVE}`);
        left = await readyPid("left");
        live = await readyPid("live");
        // Stop the KillMode=process unit: its shell goes, the worker stays.
        await inside().sh(`systemctl stop ${LEFT}`);
        await until(`${LEFT} to be inactive and its worker reparented`, STEP_MS, async () => {
          const state = await inside().properties(LEFT, ["ActiveState"]);
          const stat = await inside().stat(left.pid);
          return state.ActiveState === "inactive" && stat?.ppid === 1 ? true : undefined;
        });
      },
      BOOT_MS + 2 * STEP_MS,
    );

    afterAll(async () => {
      // By pid (the container's pid namespace), then the halt ends whatever is left.
      for (const p of [left, live])
        if (p && container && (await alive(p))) await inside().exec(["/bin/kill", String(p.pid)]);
      await container?.terminate();
      rmSync(dir, { recursive: true, force: true });
    }, 120_000);

    it("the two are alike by parent and argv: both orphans of PID 1, one in a stopped unit", async () => {
      expect((await inside().stat(left.pid))!.ppid).toBe(1);
      expect((await inside().stat(live.pid))!.ppid).toBe(1);
      expect(await inside().sh(`cat /proc/${left.pid}/cgroup`)).toContain(`/system.slice/${LEFT}`);
      const states = await inside().properties(LEFT, ["ActiveState", "SubState"]);
      expect(states).toEqual({ ActiveState: "inactive", SubState: "dead" });
      expect(await inside().properties(LIVE, ["ActiveState", "MainPID"])).toEqual({
        ActiveState: "active",
        MainPID: String(live.pid),
      });
    });

    it("a dry run plans to kill the leftover and spares the live service, naming both units", async () => {
      const { code, report } = await agent(["--dry-run", "--json", "--config", RULES]);
      expect(code).toBe(0);
      const kills = report.plan.entries.filter((e) => e.action === "kill");
      expect(kills.map((e) => e.process.pid)).toEqual([left.pid]);
      expect(kills[0]!.facts).toContain(`unit ${LEFT} is inactive (dead)`);
      expect(kills[0]!.process.unit).toEqual({
        name: LEFT,
        state: "inactive (dead)",
        stopped: true,
      });
      const spared = report.plan.spared.find((s) => s.process.pid === live.pid);
      expect(spared).toMatchObject({ code: "unit-active" });
      expect(spared!.reasons).toContain(`unit ${LIVE} is active (running)`);
    });

    it("status lists the leftover under LEFT IN STOPPED UNITS without any rule", async () => {
      const empty = `/etc/cleanup-${token}/empty.yaml`;
      await inside().write(
        empty,
        "thresholds: { memory: false, cpu: false, disk: false }\nrules: []\n",
      );
      const { report } = await agent(["status", "--json", "--config", empty]);
      const listed = report.leftInStoppedUnits!;
      expect(listed.problem).toBeNull();
      expect(listed.unitsChecked).toBeGreaterThanOrEqual(2);
      const pids = listed.processes.map((p) => p.pid);
      expect(pids).toContain(left.pid);
      expect(pids).not.toContain(live.pid);
      expect(listed.processes.find((p) => p.pid === left.pid)!.unit).toEqual({
        name: LEFT,
        state: "inactive (dead)",
        stopped: true,
      });
      const text = await inside().exec([CLI, "status", "--config", empty, "--state-dir", STATE]);
      const lines = text.stdout.split("\n");
      const at = lines.findIndex((l) => l.startsWith("LEFT IN STOPPED UNITS ("));
      expect(at, text.stdout).toBeGreaterThan(0);
      const section = lines.slice(at, lines.indexOf("", at));
      expect(section.join("\n")).toContain(`in ${LEFT}, inactive (dead) (parent 1)`);
      expect(section.join("\n")).not.toContain(LIVE);
    });

    it("the bundled rules alert on it (dry run) and never on the live service", async () => {
      const { report } = await agent([
        "--dry-run",
        "--json",
        "--config",
        "/opt/cleanup/rules.yaml",
      ]);
      const alerts = report.plan.entries.filter((e) => e.rule === "left-in-stopped-units");
      expect(alerts.map((e) => [e.process.pid, e.action])).toContainEqual([left.pid, "alert"]);
      expect(alerts.map((e) => e.process.pid)).not.toContain(live.pid);
    });

    it("a live run kills the leftover and leaves the live service running", async () => {
      const { code, report } = await agent(["--json", "--config", RULES]);
      expect(code).toBe(0);
      expect(report.plan.entries.map((e) => e.process.pid)).toEqual([left.pid]);
      await until("the leftover to be gone", STEP_MS, async () =>
        (await alive(left)) ? undefined : true,
      );
      expect(await alive(live)).toBe(true);
      const audit = (await inside().sh(`cat ${STATE}/audit.jsonl`))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { pid: number; rule: string; signal: string });
      expect(audit.map((a) => [a.pid, a.rule, a.signal])).toEqual([
        [left.pid, "left-in-stopped", "SIGTERM"],
      ]);
    });
  },
);
