// What the stale-holder judgement (stale.ts) takes and gives.
import type { Config } from "../config/types.js";
import type { Actor, Plan, PlanEntry } from "../rules/plan-types.js";
import type { Snapshot } from "../scan/types.js";

/** What the stale judgement needs of a PID file (src/scan/pid-files.ts reads them). */
export interface PidFileEvidence {
  path: string;
  pid: number | null;
  mtimeMs: number | null;
}

export interface StaleInput {
  snapshot: Snapshot;
  config: Config;
  actor: Actor;
  /** The rules' plan of this snapshot. */
  plan: Plan;
  /** Each service's PID files, by service name. */
  pidFiles: ReadonlyMap<string, readonly PidFileEvidence[]>;
  /** The port being freed: a later copy listening elsewhere is a parallel instance, not a restart. */
  port: number;
}

export type Verdict =
  | {
      pid: number;
      stale: true;
      /** Why it is stale, in the operator's words. */
      reasons: string[];
      /** What to kill to free it: the stale process (or its instance) and its tree. */
      entries: PlanEntry[];
    }
  | { pid: number; stale: false; reasons: string[] };
