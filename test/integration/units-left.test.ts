// Processes left in the cgroup of a stopped unit, under a real systemd: this machine's root booted
// as a container (helpers/nspawn.ts). Services run the same token-marked program, all with
// parent 1 (the container's systemd): one with KillMode=process, whose worker outlives
// `systemctl stop`; one with KillMode=process whose main process is SIGKILLed, leaving its
// worker's whole pool (a failed unit); a scope abandoned as logind abandons an ended session's;
// and one still active, whose main process it is. "Parent is PID 1" cannot tell them apart;
// `unit_stopped` can. Every rule names this test's token; every process lives in the container,
// which afterAll halts.
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
const CRASH = `cleanup-test-${token}-crash.service`;
const SCOPE = `cleanup-test-${token}-session.scope`;
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
// A pool: the worker starts 2 children, each with a child of its own; the main process (the
// shell) is SIGKILLed below, as a crash would end it.
const CRASH_UNIT = `[Unit]
Description=cleanup test ${token}: a main process that dies, leaving its pool
[Service]
Type=simple
KillMode=process
ExecStart=/bin/sh -c '"$$@" & wait' sh ${PY} ${FIXTURE} ${SRV}/ready/crash --children 2
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
      cmdline: '^${esc(PY)} ${esc(FIXTURE)} ${esc(SRV)}/ready/(left|live|crash|session)'
      unit: 'cleanup-test-${token}-*'
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

interface Ready extends Started {
  /** The pool's processes (orphan.py --children): children, then grandchildren. */
  pool: Started[];
}

async function alive(p: Started): Promise<boolean> {
  const now = await inside().stat(p.pid);
  return now !== null && now.start === p.start && now.state !== "Z" && now.state !== "X";
}

async function started(pid: number, what: string): Promise<Started> {
  const stat = await inside().stat(pid);
  expect(stat, `${what} (pid ${pid})`).not.toBeNull();
  return { pid, start: stat!.start };
}

async function readyPid(name: string): Promise<Ready> {
  const file = join(scene, "ready", name);
  await waitFor(`${name} to be ready`, () => existsSync(file), 30_000);
  const ready = JSON.parse(readFileSync(file, "utf8")) as {
    pid: number;
    children: number[];
    grandchildren: number[];
  };
  const pool = [...ready.children, ...ready.grandchildren];
  return {
    ...(await started(ready.pid, name)),
    pool: await Promise.all(pool.map((pid) => started(pid, `${name}'s pool`))),
  };
}

/** Polls systemd until the unit's properties match `want`. */
async function unitUntil(unit: string, want: Record<string, string>): Promise<void> {
  await until(`${unit} to be ${JSON.stringify(want)}`, STEP_MS, async () => {
    const now = await inside().properties(unit, Object.keys(want));
    return Object.entries(want).every(([k, v]) => now[k] === v) ? true : undefined;
  });
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

let left: Ready;
let live: Ready;
let crash: Ready;
let session: Ready;
/** Every process in a stopped unit: what the kill rule must take, and only these. */
const leftovers = () => [left, crash, ...crash.pool, session];

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
        await inside().write(`/etc/systemd/system/${CRASH}`, CRASH_UNIT);
        await inside().write(RULES, TOKEN_RULES);
        await inside().sh(`systemctl daemon-reload && systemctl start ${LEFT} ${LIVE} ${CRASH}`);
        left = await readyPid("left");
        live = await readyPid("live");
        crash = await readyPid("crash");
        // A scope of the test's own (systemd-run --scope: its shell exits, the worker stays in
        // it), then abandoned as logind abandons an ended session's scope (Scope.Abandon).
        await inside().sh(
          `systemd-run --quiet --scope --unit=${SCOPE} /bin/sh -c '"$@" </dev/null >/dev/null 2>&1 &' sh ${PY} ${FIXTURE} ${SRV}/ready/session`,
        );
        session = await readyPid("session");
        await inside().sh(
          `path=$(busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager GetUnit s ${SCOPE} | cut -d'"' -f2) && busctl call org.freedesktop.systemd1 "$path" org.freedesktop.systemd1.Scope Abandon`,
        );
        // Stop the KillMode=process unit: its shell goes, the worker stays.
        await inside().sh(`systemctl stop ${LEFT}`);
        // SIGKILL the crash unit's main process (the shell): the unit fails, its pool stays.
        const main = (await inside().properties(CRASH, ["MainPID"])).MainPID!;
        await inside().exec(["/bin/kill", "-KILL", main]);
        await unitUntil(LEFT, { ActiveState: "inactive" });
        await unitUntil(CRASH, { ActiveState: "failed" });
        await unitUntil(SCOPE, { SubState: "abandoned" });
        for (const p of [left, crash, session])
          await until(`${p.pid} to be reparented`, STEP_MS, async () =>
            (await inside().stat(p.pid))?.ppid === 1 ? true : undefined,
          );
      },
      BOOT_MS + 2 * STEP_MS,
    );

    afterAll(async () => {
      // By pid (the container's pid namespace), then the halt ends whatever is left.
      for (const r of [left, live, crash, session])
        for (const p of r ? [r, ...r.pool] : [])
          if (container && (await alive(p))) await inside().exec(["/bin/kill", String(p.pid)]);
      await container?.terminate();
      rmSync(dir, { recursive: true, force: true });
    }, 120_000);

    it("all are alike by parent and argv (orphans of PID 1); only their units differ", async () => {
      for (const p of [left, live, crash, session])
        expect((await inside().stat(p.pid))!.ppid, `ppid of ${p.pid}`).toBe(1);
      expect(await inside().sh(`cat /proc/${left.pid}/cgroup`)).toContain(`/system.slice/${LEFT}`);
      expect(await inside().sh(`cat /proc/${crash.pool[0]!.pid}/cgroup`)).toContain(
        `/system.slice/${CRASH}`,
      );
      const states = ["ActiveState", "SubState"];
      expect(await inside().properties(LEFT, states)).toEqual({
        ActiveState: "inactive",
        SubState: "dead",
      });
      expect(await inside().properties(CRASH, states)).toEqual({
        ActiveState: "failed",
        SubState: "failed",
      });
      expect(await inside().properties(SCOPE, states)).toEqual({
        ActiveState: "active",
        SubState: "abandoned",
      });
      expect(await inside().properties(LIVE, ["ActiveState", "MainPID"])).toEqual({
        ActiveState: "active",
        MainPID: String(live.pid),
      });
      expect(crash.pool).toHaveLength(4);
    });

    it("a dry run plans to kill every leftover and spares the live service, naming each unit", async () => {
      const { code, report } = await agent(["--dry-run", "--json", "--config", RULES]);
      expect(code).toBe(0);
      const kills = report.plan.entries.filter((e) => e.action === "kill");
      expect(kills.map((e) => e.process.pid).sort()).toEqual(
        leftovers()
          .map((p) => p.pid)
          .sort(),
      );
      const factsOf = (pid: number) => kills.find((e) => e.process.pid === pid)!.facts;
      expect(factsOf(left.pid)).toContain(`unit ${LEFT} is inactive (dead)`);
      expect(factsOf(crash.pid)).toContain(`unit ${CRASH} is failed (failed)`);
      // The pool goes with its parent, as its tree (a kill rule's default).
      for (const p of crash.pool)
        expect(factsOf(p.pid)).toEqual([`descendant of ${crash.pid} (tree)`]);
      expect(factsOf(session.pid)).toContain(
        `unit ${SCOPE} is active (abandoned): its session ended`,
      );
      expect(kills.find((e) => e.process.pid === left.pid)!.process.unit).toEqual({
        name: LEFT,
        state: "inactive (dead)",
        stopped: true,
      });
      const spared = report.plan.spared.find((s) => s.process.pid === live.pid);
      expect(spared).toMatchObject({ code: "unit-active" });
      expect(spared!.reasons).toContain(`unit ${LIVE} is active (running)`);
    });

    it("status lists the leftovers under LEFT IN STOPPED UNITS without any rule", async () => {
      const empty = `/etc/cleanup-${token}/empty.yaml`;
      await inside().write(
        empty,
        "thresholds: { memory: false, cpu: false, disk: false }\nrules: []\n",
      );
      const { report } = await agent(["status", "--json", "--config", empty]);
      const listed = report.leftInStoppedUnits!;
      expect(listed.problem).toBeNull();
      expect(listed.unitsChecked).toBeGreaterThanOrEqual(4);
      const pids = listed.processes.map((p) => p.pid);
      for (const p of leftovers()) expect(pids).toContain(p.pid);
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
      const section = lines.slice(at, lines.indexOf("", at)).join("\n");
      expect(section).toContain(`in ${LEFT}, inactive (dead) (parent 1)`);
      expect(section).toContain(`in ${CRASH}, failed (failed) (parent 1)`);
      expect(section).toContain(`in ${SCOPE}, active (abandoned): its session ended (parent 1)`);
      expect(section).not.toContain(LIVE);
    });

    it("check --strict passes the bundled rules under systemd: the unit keys can be served", async () => {
      const r = await inside().exec([
        CLI,
        "check",
        "--strict",
        "--config",
        "/opt/cleanup/rules.yaml",
      ]);
      expect(r).toMatchObject({ code: 0, stderr: "" });
      expect(r.stdout).toMatch(/rules\.yaml: OK \(\d+ rules, .*file rules\)\n$/);
    });

    it("the bundled rules alert on the stopped services' leftovers (dry run), not on the scope or the live service", async () => {
      const { report } = await agent([
        "--dry-run",
        "--json",
        "--config",
        "/opt/cleanup/rules.yaml",
      ]);
      const alerts = report.plan.entries.filter((e) => e.rule === "left-in-stopped-units");
      expect(alerts.every((e) => e.action === "alert")).toBe(true);
      const pids = alerts.map((e) => e.process.pid);
      // The leftovers whose parent is gone: the pool's members are the crashed worker's tree.
      expect(pids).toContain(left.pid);
      expect(pids).toContain(crash.pid);
      for (const p of crash.pool) expect(pids).not.toContain(p.pid);
      expect(pids).not.toContain(session.pid);
      expect(pids).not.toContain(live.pid);
    });

    it("a live run kills every leftover and leaves the live service running", async () => {
      const { code, report } = await agent(["--json", "--config", RULES]);
      expect(code).toBe(0);
      const want = leftovers()
        .map((p) => p.pid)
        .sort();
      expect(report.plan.entries.map((e) => e.process.pid).sort()).toEqual(want);
      for (const p of leftovers())
        await until(`${p.pid} to be gone`, STEP_MS, async () =>
          (await alive(p)) ? undefined : true,
        );
      expect(await alive(live)).toBe(true);
      const audit = (await inside().sh(`cat ${STATE}/audit.jsonl`))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { pid: number; rule: string; signal: string });
      expect(
        audit
          .filter((a) => a.signal === "SIGTERM")
          .map((a) => a.pid)
          .sort(),
      ).toEqual(want);
      expect(new Set(audit.map((a) => a.rule))).toEqual(new Set(["left-in-stopped"]));
    });
  },
);
