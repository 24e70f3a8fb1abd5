// What the last acting run did, for `cleanup status`.

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

export function checkLastRun(data: unknown): string | null {
  const d = data as Partial<LastRun>;
  if (typeof d.finishedAt !== "string") return "finishedAt missing";
  if (typeof d.outcome !== "string") return "outcome missing";
  if (typeof d.killed !== "number" || typeof d.failed !== "number") return "counts missing";
  return null;
}
