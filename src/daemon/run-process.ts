// The daemon's side of one run: each run is a child process running the same bundle (see
// run-child.ts), never a call on the daemon's own thread.
//
// Why a child process and not a worker thread: a run's JavaScript may be blocked (a pathological
// regex, a huge synchronous scan) or its thread stuck in a system call (a /proc read of a process
// whose memory map is locked, a statfs on a dead mount); the daemon's event loop stays free either
// way, so /health answers and SIGTERM is handled. A worker could be stopped in a busy loop
// (worker.terminate()) but not inside a blocking system call, and it shares the daemon's pid, so
// a lock it left behind would name a live process and every later run would be "busy"; its open
// files (the audit log) would leak into the daemon. A child is ended by SIGKILL whatever it is
// doing, the kernel closes its files, and the lock it leaves names a dead process, which the
// next run recognises as stale and takes over. The cost, measured on a 2-core machine at load 4:
// about 0.3 s of Node start-up per run (fork to config read) and a 54 MiB peak (VmHWM) in the
// child, freed when the run ends; the daemon stays at its idle size. Once an hour or every few
// minutes, that is nothing next to a daemon that cannot be stopped.
import { RUN_DEADLINE_MAX_MS } from "../config/schema.js";
import { EXIT } from "../exit-codes.js";
import type { RunMessage, RunRequest } from "./run-child.js";
import { RUN_CHILD_ENV } from "./run-child-env.js";
import type { RunReport } from "../report/run-report.js";
import { childProcess } from "../shared/lazy-builtins.js";

/**
 * The backstop: a child still running this long after its own deadline is killed. Covers Node's
 * start-up before the run's clock starts, and the report being sent back, on a loaded host.
 */
export const BACKSTOP_MARGIN_MS = 10_000;

export type RunEnd =
  | { kind: "report"; report: RunReport }
  | { kind: "error"; exitCode: number; message: string }
  /** Killed by the daemon: past its deadline (backstop) or at the end of --stop-timeout. */
  | { kind: "killed"; reason: string };

export interface RunProcess {
  pid: number | undefined;
  ended: Promise<RunEnd>;
  /** SIGKILL, with the reason the end will carry; resolves once the child is gone. */
  kill(reason: string): Promise<void>;
}

export function startRunProcess(entry: string, request: RunRequest): RunProcess {
  const child = childProcess().fork(entry, [], {
    env: { ...process.env, [RUN_CHILD_ENV]: "1" },
    serialization: "advanced",
    // Its own session: a terminal's Ctrl-C reaches the daemon only, which decides (as for SIGTERM).
    detached: true,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let result: RunEnd | null = null;
  let killedFor: string | null = null;
  const started = performance.now();
  let backstop: NodeJS.Timeout | undefined;
  const arm = (ms: number): void => {
    clearTimeout(backstop);
    backstop = setTimeout(
      () => void kill(`past its deadline (${Math.round(performance.now() - started)} ms)`),
      Math.max(0, ms),
    );
  };
  // Until the child has read its config, the longest deadline any config may set.
  arm(RUN_DEADLINE_MAX_MS + BACKSTOP_MARGIN_MS);
  child.on("message", (m: RunMessage) => {
    if (m.kind === "deadline") arm(started + m.limitMs + BACKSTOP_MARGIN_MS - performance.now());
    else result = m;
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", (error) => {
      result ??= {
        kind: "error",
        exitCode: EXIT.INTERNAL,
        message: `cannot start a run: ${error.message}`,
      };
      // A child that never started sends no "exit": the run is over all the same.
      if (child.pid === undefined) resolve();
    });
  });
  const ended = new Promise<RunEnd>((resolve) => {
    void exited.then(() => {
      clearTimeout(backstop);
      // A report that arrived is the run's end, even if the child was killed while it exited.
      if (result) resolve(result);
      else if (killedFor !== null) resolve({ kind: "killed", reason: killedFor });
      else
        resolve({
          kind: "error",
          exitCode: EXIT.INTERNAL,
          message: `the run ended without a report (exit ${child.exitCode ?? child.signalCode})`,
        });
    });
  });
  const kill = async (reason: string): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      killedFor ??= reason;
      child.kill("SIGKILL"); // our own child, by its handle
    }
    await exited;
  };
  child.send(request);
  return { pid: child.pid, ended, kill };
}
