// Units an operator writes in rules.yaml: durations (90s, 6h, 1d, 1h30m), sizes (500MB, 2GiB)
// and percentages (85%). Each parser returns a number or an error message that says what a
// valid value looks like, so the config loader can report "got X, expected Y".

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export const DURATION_EXAMPLE = "a duration like 90s, 30m, 6h, 1d or 1h30m";
export const DURATION_PATTERN = "^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h|d|w)\\s*)+$";
const DURATION_PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/g;

/** Parses "90s", "6h", "1d", "1h30m" into milliseconds. */
export function parseDuration(text: string): Parsed<number> {
  const trimmed = text.trim();
  if (trimmed.startsWith("-")) return { ok: false, problem: "a duration cannot be negative" };
  if (!new RegExp(DURATION_PATTERN).test(trimmed)) {
    return { ok: false, problem: "not a duration" };
  }
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(DURATION_PART)) {
    total += Number(amount) * (DURATION_UNITS_MS[unit as string] as number);
  }
  return { ok: true, value: Math.round(total) };
}

// Decimal units follow SI (1 MB = 1,000,000 bytes), binary units IEC (1 MiB = 1,048,576 bytes),
// so "500MB" means what the disk and cloud vendors mean by it and "512MiB" what the kernel does.
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

export const SIZE_EXAMPLE = "a size like 500MB, 512MiB or 2GiB";
export const SIZE_PATTERN = "^\\s*\\d+(\\.\\d+)?\\s*([kKmMgGtT][iI]?)?[bB]\\s*$";

/** Parses "500MB", "2GiB", "64 KiB" into bytes. */
export function parseSize(text: string): Parsed<number> {
  const trimmed = text.trim();
  if (trimmed.startsWith("-")) return { ok: false, problem: "a size cannot be negative" };
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]+)$/.exec(trimmed);
  const factor = match ? SIZE_UNITS[(match[2] as string).toLowerCase()] : undefined;
  if (!match || factor === undefined) return { ok: false, problem: "not a size" };
  return { ok: true, value: Math.round(Number(match[1]) * factor) };
}

export const PERCENT_EXAMPLE = "a percentage like 85%";
export const PERCENT_PATTERN = "^\\s*\\d+(\\.\\d+)?\\s*%\\s*$";

/** Parses "85%" into 85. */
export function parsePercent(text: string): Parsed<number> {
  const trimmed = text.trim();
  if (trimmed.startsWith("-")) return { ok: false, problem: "a percentage cannot be negative" };
  const match = /^(\d+(?:\.\d+)?)\s*%$/.exec(trimmed);
  if (!match) return { ok: false, problem: "not a percentage" };
  const value = Number(match[1]);
  if (value > 100) return { ok: false, problem: "a percentage cannot exceed 100%" };
  return { ok: true, value };
}

export { formatDuration } from "../shared/format-duration.js";

/** Binary units, as `free -h` and the kernel count memory. */
export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  for (;;) {
    // Decide digits on the rounded value: 99.96 KiB prints as "100KiB", 1023.999 KiB as "1.0MiB".
    const digits = unit === 0 || value >= 99.95 ? 0 : 1;
    if (Number(value.toFixed(digits)) < 1024 || unit === units.length - 1) {
      return `${value.toFixed(digits)}${units[unit]}`;
    }
    value /= 1024;
    unit += 1;
  }
}
