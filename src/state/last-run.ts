// What the last acting run did, for `cleanup status`.
import { isCount, isNumber, isString, isStringArray } from "./shape.js";

export const LAST_RUN_FILE = "last-run.json";
export const LAST_RUN_VERSION = 1;

export interface LastRun {
  version: typeof LAST_RUN_VERSION;
  finishedAt: string;
  outcome: "ok" | "attention" | "busy" | "deadline";
  killed: number;
  failed: number;
  refusals: number;
  alerts: number;
  /** Threshold messages at warn or critical. */
  thresholds: string[];
  durationMs: number;
  /** Where the run stopped at its deadline and what it left undone (outcome "deadline"). */
  deadline?: string;
}

const OUTCOMES: readonly unknown[] = ["ok", "attention", "busy", "deadline"];

export function checkLastRun(data: unknown): string | null {
  const d = data as Partial<LastRun>;
  if (!isString(d.finishedAt)) return "finishedAt missing";
  if (!OUTCOMES.includes(d.outcome)) return "outcome missing";
  if (![d.killed, d.failed, d.refusals, d.alerts].every(isCount)) return "counts missing";
  if (!isStringArray(d.thresholds)) return "thresholds missing";
  if (!isNumber(d.durationMs)) return "durationMs missing";
  if (d.deadline !== undefined && !isString(d.deadline)) return "deadline is not text";
  return null;
}
