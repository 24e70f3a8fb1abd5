// The unit a process sits in and what systemd says of it: the cgroup file's parsing, the unit of
// a cgroup path, one `systemctl show` through an injected runner (no real systemd here), the
// one definition of "stopped", and the facts the conditions and reports read (rules/unit-facts).
import { describe, expect, it } from "vitest";
import {
  parseTimespanUs,
  readUnitStates,
  stoppedness,
  type Runner,
  type UnitState,
} from "../../../src/host/unit-states.js";
import { unitFacts, unitWords } from "../../../src/rules/unit-facts.js";
import { parseCgroup, unitOfCgroup } from "../../../src/scan/cgroup.js";
import type { ProcessInfo } from "../../../src/scan/types.js";

describe("parseCgroup", () => {
  it("takes the v2 path, and the systemd hierarchy's on a v1/hybrid host", () => {
    expect(parseCgroup("0::/system.slice/worker.service\n")).toBe("/system.slice/worker.service");
    expect(
      parseCgroup("12:cpu,cpuacct:/x\n1:name=systemd:/system.slice/cron.service\n0::/other\n"),
    ).toBe("/system.slice/cron.service");
    expect(parseCgroup("0::/system.slice/a.service (deleted)\n")).toBe("/system.slice/a.service");
  });
  it("reads the systemd hierarchy among other controllers, the last v2 line, no final newline", () => {
    expect(parseCgroup("3:cpu,name=systemd,x:/a.service\n0::/b")).toBe("/a.service");
    expect(parseCgroup("3:name=systemdx:/a.service\n0::/b:c,name=systemd")).toBe(
      "/b:c,name=systemd",
    );
    expect(parseCgroup("0::/a\n\n0::/b\n")).toBe("/b");
    expect(parseCgroup("00::/a\n0:x:/b\n:0::/c\n")).toBeNull();
  });
  it("refuses what could forge a report line, and what is not a path", () => {
    expect(parseCgroup("0::/system.slice/a\u001b[2J.service\n")).toBeNull();
    expect(parseCgroup("0::relative\n")).toBeNull();
    expect(parseCgroup(`0::/${"x".repeat(5000)}\n`)).toBeNull();
    expect(parseCgroup("garbage")).toBeNull();
  });
});

describe("unitOfCgroup", () => {
  it("is the deepest .service or .scope; a nested manager is named", () => {
    expect(unitOfCgroup("/system.slice/worker.service")).toEqual({
      unit: "worker.service",
      manager: null,
      chain: ["worker.service"],
    });
    expect(unitOfCgroup("/user.slice/user-1000.slice/session-4.scope")?.unit).toBe(
      "session-4.scope",
    );
    expect(
      unitOfCgroup("/user.slice/user-1000.slice/user@1000.service/app.slice/x.service"),
    ).toEqual({
      unit: "x.service",
      manager: "user@1000.service",
      chain: ["user@1000.service", "x.service"],
    });
    expect(unitOfCgroup("/init.scope")?.unit).toBe("init.scope");
    expect(unitOfCgroup("/system.slice")).toBeNull();
  });
});

const SHOW = (id: string, active: string, sub: string, extra = "") =>
  `Id=${id}\nLoadState=loaded\nActiveState=${active}\nSubState=${sub}\nType=simple\nMainPID=0\nExecMainPID=4123\nControlGroup=/system.slice/${id}\nStateChangeTimestampMonotonic=1000000\nTimeoutStopUSec=1min 30s\n${extra}`;

describe("readUnitStates", () => {
  it("asks once, for valid names only, and reads every block", async () => {
    const calls: (readonly string[])[] = [];
    const run: Runner = async (_file, args) => {
      calls.push(args);
      return {
        stdout: `${SHOW("a.service", "inactive", "dead")}\n${SHOW("b.service", "active", "running")}`,
      };
    };
    const got = await readUnitStates(["a.service", "b.service", "a.service", "bad name.service"], {
      systemctl: "/bin/true",
      run,
      monotonicUs: () => 5,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.slice(-2)).toEqual(["a.service", "b.service"]);
    expect(calls[0]).toContain("--");
    expect(got.states.get("a.service")).toMatchObject({
      activeState: "inactive",
      execMainPid: 4123,
      timeoutStopUs: 90_000_000,
    });
    expect(got.states.get("b.service")?.subState).toBe("running");
    expect(got.problem).toMatch(/1 unit names not asked/);
  });
  it("makes no call without units, and a failed call leaves every unit unknown", async () => {
    let called = 0;
    const run: Runner = async () => {
      called++;
      return { error: "timed out after 5000 ms" };
    };
    expect((await readUnitStates([], { systemctl: "/bin/true", run })).states.size).toBe(0);
    expect(called).toBe(0);
    const failed = await readUnitStates(["a.service"], { systemctl: "/bin/true", run });
    expect(called).toBe(1);
    expect(failed.states.size).toBe(0);
    expect(failed.problem).toBe("systemctl show failed: timed out after 5000 ms");
  });
  it("blocks out of step with the names asked: none is trusted", async () => {
    const run: Runner = async () => ({ stdout: SHOW("a.service", "active", "running") });
    const got = await readUnitStates(["a.service", "b.service"], { systemctl: "/bin/true", run });
    expect(got.states.size).toBe(0);
  });
});

describe("stoppedness and time spans", () => {
  const base = (over: Partial<UnitState>): UnitState => ({
    unit: "w.service",
    id: "w.service",
    loadState: "loaded",
    activeState: "active",
    subState: "running",
    type: "simple",
    mainPid: 10,
    execMainPid: 10,
    controlGroup: "/system.slice/w.service",
    stateChangeMonotonicUs: 1_000_000,
    timeoutStopUs: 90_000_000,
    ...over,
  });
  it("inactive, failed and abandoned are stopped; active is not", () => {
    expect(stoppedness(base({ activeState: "inactive", subState: "dead" }), 0).stopped).toBe(true);
    expect(stoppedness(base({ activeState: "failed", subState: "failed" }), 0).stopped).toBe(true);
    expect(stoppedness(base({ subState: "abandoned" }), 0)).toEqual({
      stopped: true,
      words: "active (abandoned): its session ended",
    });
    expect(stoppedness(base({}), 0)).toEqual({ stopped: false, words: "active (running)" });
  });
  it("deactivating counts as stopped only past its stop timeout", () => {
    const d = base({ activeState: "deactivating", subState: "stop-sigterm" });
    expect(stoppedness(d, 1_000_000 + 60_000_000).stopped).toBe(false);
    expect(stoppedness(d, 1_000_000 + 200_000_000)).toMatchObject({ stopped: true });
    expect(stoppedness({ ...d, timeoutStopUs: null }, 1e12).stopped).toBe(false);
  });
  it("reads systemd's spans", () => {
    expect(parseTimespanUs("1min 30s")).toBe(90_000_000);
    expect(parseTimespanUs("500ms")).toBe(500_000);
    expect(parseTimespanUs("infinity")).toBeNull();
    expect(parseTimespanUs("soon")).toBeNull();
  });
});

describe("unitFacts", () => {
  const proc = (cgroup: string | null | undefined): ProcessInfo =>
    ({ pid: 50, ppid: 1, ...(cgroup !== undefined && { cgroup }) }) as ProcessInfo;
  const states = (state: Partial<UnitState> | null) => ({
    states: new Map(
      state === null
        ? []
        : [
            [
              "w.service",
              {
                unit: "w.service",
                id: "w.service",
                loadState: "loaded",
                activeState: "inactive",
                subState: "dead",
                type: "simple",
                mainPid: 0,
                execMainPid: 0,
                controlGroup: "/system.slice/w.service",
                stateChangeMonotonicUs: 1,
                timeoutStopUs: 1,
                ...state,
              } satisfies UnitState,
            ],
          ],
    ),
    problem: state === null ? "systemctl not found (no systemd?)" : null,
    atMonotonicUs: 10,
  });
  it("knows the unit and its state when systemd told it", () => {
    const facts = unitFacts(proc("/system.slice/w.service"), states({}));
    expect(facts.known).toBe(true);
    expect(unitWords(facts)).toBe("unit w.service is inactive (dead)");
  });
  it("is unknown, with the reason, whenever a fact is missing (fail closed)", () => {
    expect(unitWords(unitFacts(proc(undefined), states({})))).toBe("cgroup not read");
    expect(unitWords(unitFacts(proc(null), states({})))).toBe("cgroup unreadable");
    expect(unitWords(unitFacts(proc("/system.slice/w.service"), undefined))).toMatch(
      /state not read/,
    );
    expect(unitWords(unitFacts(proc("/system.slice/w.service"), states(null)))).toMatch(
      /state unknown \(systemctl not found/,
    );
    expect(
      unitWords(unitFacts(proc("/system.slice/w.service"), states({ loadState: "not-found" }))),
    ).toMatch(/not-found/);
    expect(
      unitWords(
        unitFacts(
          proc("/system.slice/w.service"),
          states({ controlGroup: "/elsewhere/w.service" }),
        ),
      ),
    ).toMatch(/systemd puts it at \/elsewhere/);
    expect(
      unitWords(
        unitFacts(proc("/user.slice/user-1000.slice/user@1000.service/w.service"), states({})),
      ),
    ).toMatch(/of user@1000.service: only the system manager's/);
  });
});
