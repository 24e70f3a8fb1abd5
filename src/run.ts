// One run: load config → lock → scan → plan → act. Returns a report; throws ConfigError,
// ScanError or StateDirError, which the CLI maps to exit codes. Nothing here exits.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { FAILED_OUTCOMES, type KillResult } from "./act/results.js";
import { startSession, type SessionOptions } from "./act/session.js";
import type { LockHolder } from "./act/lock.js";
import { loadConfigFile } from "./config/load.js";
import type { Config } from "./config/types.js";
import { scanNeeds } from "./rules/detail-filter.js";
import { plan } from "./rules/plan.js";
import type { Actor, Plan } from "./rules/plan-types.js";
import { parseStat } from "./scan/parse-stat.js";
import { readProcessTable } from "./scan/read-process-table.js";
import { readProcText } from "./scan/read-file.js";

export interface RunOptions {
  configPath: string;
  dryRun: boolean;
  /** --state-dir; else settings.state_dir; else the default for this user. */
  stateDir?: string;
  procRoot?: string;
  kill?: SessionOptions["kill"];
}

export type RunOutcome =
  /** Everything planned was done (or would be, in a dry run). */
  | "ok"
  /** Done, but something needs a person: a kill failed or a rule was over its budget. */
  | "attention"
  /** Another run holds the lock: this one did nothing. */
  | "busy";

export interface RunReport {
  outcome: RunOutcome;
  dryRun: boolean;
  configFile: string;
  stateDir: string;
  auditLog: string | null;
  actor: Actor;
  lockHolder?: LockHolder;
  scan?: {
    processes: number;
    detailed: number;
    unreadable: number;
    scanMs: number;
    takenAt: string;
  };
  plan?: Plan;
  results: KillResult[];
  durationMs: number;
}

export async function runOnce(options: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const procRoot = options.procRoot ?? "/proc";
  const config = loadConfigFile(options.configPath);
  const actor = currentActor(procRoot);
  const stateDir = options.stateDir ?? config.settings.stateDir ?? defaultStateDir(actor.uid);
  const self = selfIdentity(procRoot);
  const session = startSession({
    dryRun: options.dryRun,
    stateDir,
    procRoot,
    self,
    ...(options.kill && { kill: options.kill }),
  });
  const base = {
    dryRun: options.dryRun,
    configFile: config.file,
    stateDir,
    actor,
    results: [] as KillResult[],
  };
  if (session.kind === "busy") {
    return {
      ...base,
      outcome: "busy",
      auditLog: null,
      lockHolder: session.holder,
      durationMs: performance.now() - started,
    };
  }
  try {
    const snapshot = readProcessTable({
      procRoot,
      selfPid: process.pid,
      now: () => Date.now(),
      ...scanNeeds(config, actor),
    });
    const thePlan = plan(snapshot, config, actor);
    const results = await session.execute(thePlan.entries.filter((e) => e.action === "kill"));
    const failed =
      results.some((r) => FAILED_OUTCOMES.has(r.outcome)) || thePlan.refusals.length > 0;
    return {
      ...base,
      outcome: failed ? "attention" : "ok",
      auditLog: session.auditPath,
      scan: {
        processes: snapshot.processes.length,
        detailed: snapshot.detailed,
        unreadable: snapshot.unreadable,
        scanMs: Math.round(snapshot.scanMs),
        takenAt: new Date(snapshot.takenAtMs).toISOString(),
      },
      plan: thePlan,
      results,
      durationMs: performance.now() - started,
    };
  } finally {
    session.close();
  }
}

/** Checks the config only: nothing scanned, locked or written. */
export function checkConfig(configPath: string): Config {
  return loadConfigFile(configPath);
}

export function defaultStateDir(uid: number): string {
  if (uid === 0) return "/var/lib/cleanup";
  const base = process.env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "cleanup");
}

const CAP_KILL = 5n;

/** Who we are: root or CAP_KILL may signal anyone; others only their own processes. */
function currentActor(procRoot: string): Actor {
  const uid = process.geteuid?.() ?? 0;
  let mayKillAnyUser = uid === 0;
  try {
    const status = readProcText(`${procRoot}/self/status`);
    const capEff = /\nCapEff:\s*([0-9a-f]+)/.exec(status)?.[1];
    if (capEff) mayKillAnyUser = ((BigInt(`0x${capEff}`) >> CAP_KILL) & 1n) === 1n;
  } catch {
    // Without /proc/self/status fall back to "root may": kill(2) will still say EPERM if not.
  }
  return { uid, mayKillAnyUser };
}

function selfIdentity(procRoot: string): LockHolder {
  let startTicks = 0;
  try {
    startTicks = parseStat(readProcText(`${procRoot}/self/stat`))?.startTicks ?? 0;
  } catch {
    startTicks = 0;
  }
  return { pid: process.pid, startTicks, since: new Date().toISOString() };
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}
