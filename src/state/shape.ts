// Small shape checks for state files parsed from JSON: hand-written rather than zod schemas,
// since every run reads these and the CLI's start-up time counts.
import type { Parsed } from "./store.js";

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
export const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
export const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
export const isString = (v: unknown): v is string => typeof v === "string";
export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
export const isStringRecord = (v: unknown): v is Record<string, string> =>
  isRecord(v) && Object.values(v).every(isString);

/** A whole-file check (a message when wrong) as a parser. */
export function fromCheck<T>(
  check: (data: unknown) => string | null,
): (data: unknown) => Parsed<T> {
  return (data) => {
    const problem = check(data);
    return problem === null ? { ok: true, data: data as T } : { ok: false, problem };
  };
}
