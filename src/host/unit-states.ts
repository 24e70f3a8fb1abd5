// The states of systemd units, from systemd itself: ONE `systemctl show` for just the units the
// run needs (those with candidate processes), run without a shell, its output bounded, under a
// timeout. A host without systemd, a missing systemctl, a failing or slow call: every unit is
// unknown (the reason is kept), so a kill rule that needs a unit's state does not match and
// protect fails closed. Only the system manager is asked: the units of a user's `systemd
// --user` (scan/cgroup.ts: those with a manager) are never passed here, since a system unit of
// the same name would answer for them.
//
// Why systemctl and not D-Bus: the agent has no D-Bus client, and `systemctl show` talks to
// systemd's private socket as root; its KEY=VALUE output is stable (systemd's documented
// interface for scripts). Why not the unit's cgroup files: whether a unit is active is
// systemd's knowledge, not the kernel's (an inactive unit's cgroup may still hold processes:
// that is the leftover this is for).
import { existsSync } from "node:fs";
import { childProcess } from "../shared/lazy-builtins.js";

/** What `systemctl show` says of one unit (the properties this module asks for). */
export interface UnitState {
  /** As asked for (the cgroup's unit name); `id` is systemd's name for it (an alias resolved). */
  unit: string;
  id: string;
  loadState: string;
  /** active, reloading, inactive, failed, activating, deactivating (maintenance, refreshing). */
  activeState: string;
  /** running, exited, dead, stop-sigterm, abandoned… */
  subState: string;
  /** A service's Type (simple, forking, oneshot…); "" for a scope. */
  type: string;
  /** 0 = none (it exited, or a scope, which has none). */
  mainPid: number;
  execMainPid: number;
  /** The unit's cgroup path, "" when it has none realised. */
  controlGroup: string;
  /** CLOCK_MONOTONIC µs of its last state change; null if not told. */
  stateChangeMonotonicUs: number | null;
  /** TimeoutStopUSec in µs; null = infinity or not told. */
  timeoutStopUs: number | null;
}

export interface UnitStates {
  /** Unit → its state; a unit asked for that is absent here is unknown (see `problem`). */
  readonly states: ReadonlyMap<string, UnitState>;
  /** Why some or every unit's state is unknown ("systemctl failed: …"), or null. */
  readonly problem: string | null;
  /** CLOCK_MONOTONIC µs when systemd answered: "deactivating past its stop timeout" is measured to it. */
  readonly atMonotonicUs: number;
}

/** None known: no call was made, or it failed. */
export function noUnitStates(problem: string, atMonotonicUs = 0): UnitStates {
  return { states: new Map(), problem, atMonotonicUs };
}

export const UNIT_PROPERTIES = [
  "Id",
  "LoadState",
  "ActiveState",
  "SubState",
  "Type",
  "MainPID",
  "ExecMainPID",
  "ControlGroup",
  "StateChangeTimestampMonotonic",
  "TimeoutStopUSec",
] as const;

/** At most this many units per call (a host with more units with processes is exotic). */
export const MAX_UNITS = 1000;
/** systemctl's output is read up to this much; past it the call fails (every unit unknown). */
export const MAX_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 5000;

// A unit name as systemd allows it (unit_name_is_valid: these characters, at most 255): a name
// from a cgroup path that is anything else is never put on systemctl's command line.
const UNIT_NAME = /^[A-Za-z0-9:_.\\@-]{1,250}\.(service|scope)$/;

export interface Runner {
  (
    file: string,
    args: readonly string[],
    options: { timeoutMs: number; maxBytes: number },
  ): Promise<{ stdout: string } | { error: string }>;
}

export interface ReadUnitStatesOptions {
  timeoutMs?: number;
  /** The systemctl to run; default the first of /usr/bin/systemctl, /bin/systemctl that exists. */
  systemctl?: string;
  run?: Runner;
  monotonicUs?: () => number;
}

/** CLOCK_MONOTONIC in µs (Node's hrtime is that clock on Linux, as systemd's …Monotonic are). */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The states of `units` (system manager's), in one call; never throws. No units, no call. */
export async function readUnitStates(
  units: readonly string[],
  options: ReadUnitStatesOptions = {},
): Promise<UnitStates> {
  const clock = options.monotonicUs ?? monotonicUs;
  const asked = [...new Set(units)].filter((u) => UNIT_NAME.test(u)).slice(0, MAX_UNITS);
  const skipped = new Set(units).size - asked.length;
  const note =
    skipped > 0 ? `${skipped} unit names not asked (invalid, or over ${MAX_UNITS})` : null;
  if (asked.length === 0) return noUnitStates(note ?? "no units asked", clock());
  const systemctl =
    options.systemctl ?? ["/usr/bin/systemctl", "/bin/systemctl"].find((p) => existsSync(p));
  if (systemctl === undefined) return noUnitStates("systemctl not found (no systemd?)", clock());
  const args = ["show", "--no-pager", `--property=${UNIT_PROPERTIES.join(",")}`, "--", ...asked];
  const result = await (options.run ?? execRunner)(systemctl, args, {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxBytes: MAX_OUTPUT_BYTES,
  });
  const at = clock();
  if ("error" in result) return noUnitStates(`systemctl show failed: ${result.error}`, at);
  const states = parseUnitStates(result.stdout, asked);
  const missing = asked.length - states.size;
  const problems = [
    note,
    missing > 0 ? `systemctl show told nothing of ${missing} of ${asked.length} units` : null,
  ].filter((p): p is string => p !== null);
  return { states, problem: problems.length > 0 ? problems.join("; ") : null, atMonotonicUs: at };
}

/**
 * `systemctl show`'s blocks (one per unit, in the order asked, separated by an empty line) →
 * states by the name asked. A block whose Id is neither the name asked nor (an alias) any
 * name is dropped: the blocks are then out of step, and every later one is unknown too.
 */
export function parseUnitStates(text: string, asked: readonly string[]): Map<string, UnitState> {
  const states = new Map<string, UnitState>();
  const blocks = text.split(/\n\n+/).filter((b) => b.trim() !== "");
  if (blocks.length !== asked.length) return states;
  blocks.forEach((block, index) => {
    const unit = asked[index]!;
    const props = new Map<string, string>();
    for (const line of block.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1));
    }
    const id = props.get("Id");
    const active = props.get("ActiveState");
    if (id === undefined || id === "" || active === undefined) return;
    states.set(unit, {
      unit,
      id,
      loadState: props.get("LoadState") ?? "",
      activeState: active,
      subState: props.get("SubState") ?? "",
      type: props.get("Type") ?? "",
      mainPid: pid(props.get("MainPID")),
      execMainPid: pid(props.get("ExecMainPID")),
      controlGroup: props.get("ControlGroup") ?? "",
      stateChangeMonotonicUs: integer(props.get("StateChangeTimestampMonotonic")),
      timeoutStopUs: parseTimespanUs(props.get("TimeoutStopUSec") ?? ""),
    });
  });
  return states;
}

function pid(text: string | undefined): number {
  const n = integer(text);
  return n !== null && n > 0 ? n : 0;
}

function integer(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return null;
  return Number(text);
}

const SPAN_UNITS: Record<string, number> = {
  us: 1,
  usec: 1,
  ms: 1000,
  msec: 1000,
  s: 1e6,
  sec: 1e6,
  min: 60e6,
  h: 3600e6,
  hr: 3600e6,
  d: 86400e6,
  w: 604800e6,
  M: 2629800e6,
  y: 31557600e6,
};

/** systemd's time span as `show` prints it ("1min 30s", "90s", "500ms", "infinity") → µs; null = infinity or unparsable. */
export function parseTimespanUs(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === "" || trimmed === "infinity") return null;
  if (/^\d+$/.test(trimmed)) return Number(trimmed); // raw µs (`show --timestamp=…` variants)
  let total = 0;
  let rest = trimmed;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*/.exec(rest);
    const factor = m ? SPAN_UNITS[m[2]!] : undefined;
    if (!m || factor === undefined) return null;
    total += Number(m[1]) * factor;
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

/** Whether a unit is no longer active, in the words reports use; the one definition of "stopped". */
export interface Stoppedness {
  stopped: boolean;
  /** "inactive (dead)", "deactivating (stop-sigterm) for 2m, past its stop timeout of 1m 30s". */
  words: string;
}

export function stoppedness(s: UnitState, atMonotonicUs: number): Stoppedness {
  const state = `${s.activeState} (${s.subState})`;
  if (s.activeState === "inactive" || s.activeState === "failed")
    return { stopped: true, words: state };
  if (s.subState === "abandoned") return { stopped: true, words: `${state}: its session ended` };
  if (s.activeState === "deactivating") {
    const since = s.stateChangeMonotonicUs;
    const limit = s.timeoutStopUs;
    if (since !== null && since > 0 && limit !== null && atMonotonicUs - since > limit)
      return {
        stopped: true,
        words: `${state} for ${seconds(atMonotonicUs - since)}, past its stop timeout of ${seconds(limit)}`,
      };
    return { stopped: false, words: `${state}, within its stop timeout` };
  }
  return { stopped: false, words: state };
}

function seconds(us: number): string {
  const s = Math.round(us / 1e6);
  return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
}

const execRunner: Runner = (file, args, options) =>
  new Promise((resolve) => {
    childProcess().execFile(
      file,
      [...args],
      {
        timeout: options.timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: options.maxBytes,
        encoding: "utf8",
        windowsHide: true,
        // The C locale and no pager or colours: the output is parsed, not read.
        env: {
          PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
          LANG: "C",
          SYSTEMD_PAGER: "",
          SYSTEMD_COLORS: "0",
        },
      },
      (error, stdout) => {
        if (!error) return resolve({ stdout });
        const e = error as NodeJS.ErrnoException & { killed?: boolean; stderr?: string };
        if (e.killed) return resolve({ error: `timed out after ${options.timeoutMs} ms` });
        const code = (e as { code?: unknown }).code;
        if (code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER")
          return resolve({ error: `output over ${options.maxBytes} bytes` });
        resolve({ error: firstLine(e.message) });
      },
    );
  });

function firstLine(text: string): string {
  const line =
    text.split("\n").find((l) => l.trim() !== "" && !l.startsWith("Command failed")) ?? text;
  return line.slice(0, 300);
}
