// Judging a health probe's answer: pure, so the rules are unit-tested on plain data (the probe
// itself, health.ts, does the I/O). A port that answers is not a healthy service (the incident
// behind this: a worker whose port answered while it said {"status": "unhealthy", "reason":
// "heartbeat_timeout_447s"}), so the body is judged too, and what the service says about itself
// reaches the operator.
import type { HealthCheck } from "../config/types.js";
import { printable } from "../shared/printable.js";

/** Read no more than this: a health body is small, and a runaway one must not cost memory. */
export const BODY_LIMIT = 64 * 1024;
/** What a result keeps of the body, for the operator to read next to the reason. */
export const BODY_SHOWN = 500;
/** The longest a server-chosen text (a value, its own reason) may make a line. */
const TEXT_SHOWN = 200;
const VALUE_SHOWN = 80;

type Expectation = HealthCheck["expectJson"][number];
type Show = HealthCheck["show"];

/**
 * Healthy when the status is expected (any 2xx by default) and every expect_json field holds.
 * `truncated` says the body was cut at BODY_LIMIT, so a JSON parse failure is explained.
 */
export function judgeResponse(
  check: Pick<HealthCheck, "expectStatus" | "expectJson">,
  httpStatus: number,
  bodyText: string,
  truncated = false,
): { status: "healthy" | "unhealthy"; reason: string } {
  const json = parseJson(bodyText);
  const unhealthy = (problem: string) => ({
    status: "unhealthy" as const,
    reason: printable(withServiceReason(problem, json.ok ? json.value : undefined)),
  });

  if (!statusExpected(check.expectStatus, httpStatus)) {
    return unhealthy(`HTTP ${httpStatus} (expected ${describeExpectedStatus(check.expectStatus)})`);
  }
  if (check.expectJson.length === 0) return { status: "healthy", reason: `HTTP ${httpStatus}` };

  if (!json.ok) {
    const expected = check.expectJson.map((e) => `${e.path} = ${render(e.equals)}`).join(", ");
    const why = truncated
      ? `body is cut at ${BODY_LIMIT / 1024} KiB and is not JSON`
      : "body is not JSON";
    return unhealthy(`${why} (expected ${expected})`);
  }

  // Every failing field, not just the first: the operator fixes them in one go.
  const problems: string[] = [];
  for (const e of check.expectJson) {
    const found = resolvePath(json.value, e.path);
    if (!found.found) problems.push(`${e.path} is missing (expected ${render(e.equals)})`);
    else if (!jsonEquals(found.value, e.equals)) {
      problems.push(`${e.path} is ${render(found.value)} (expected ${render(e.equals)})`);
    }
  }
  if (problems.length > 0) return unhealthy(problems.join("; "));
  return { status: "healthy", reason: `HTTP ${httpStatus}` };
}

/**
 * The `show` values from a JSON document: dotted paths through objects and arrays (by index).
 * Scalars as text, objects and arrays as compact JSON (truncated), missing or null as null.
 */
export function pickValues(show: Show, json: unknown): { label: string; value: string | null }[] {
  return show.map(({ label, path }) => {
    const found = resolvePath(json, path);
    if (!found.found || found.value === null) return { label, value: null };
    const v = found.value;
    const text = typeof v === "object" ? JSON.stringify(v) : String(v);
    return { label, value: printable(truncate(text, VALUE_SHOWN)) };
  });
}

export function statusExpected(expect: number[] | null, httpStatus: number): boolean {
  return expect === null ? httpStatus >= 200 && httpStatus <= 299 : expect.includes(httpStatus);
}

function describeExpectedStatus(expect: number[] | null): string {
  if (expect === null) return "2xx";
  if (expect.length <= 1) return String(expect[0] ?? "none");
  return `${expect.slice(0, -1).join(", ")} or ${expect[expect.length - 1]}`;
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Own properties only: a path like "constructor" or "__proto__" must not find the prototype's.
 * A segment of digits indexes an array.
 */
function resolvePath(
  root: unknown,
  path: string,
): { found: true; value: unknown } | { found: false } {
  let current: unknown = root;
  for (const key of path.split(".")) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(key)) return { found: false };
      const index = Number(key);
      if (index >= current.length) return { found: false };
      current = current[index];
    } else if (current !== null && typeof current === "object") {
      if (!Object.hasOwn(current, key)) return { found: false };
      current = (current as Record<string, unknown>)[key];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

/** Type and value: "1" is not 1, so the reason's quoting shows the operator the difference. */
function jsonEquals(actual: unknown, expected: Expectation["equals"]): boolean {
  return actual === expected;
}

/** As JSON (strings quoted), so `"1"` and `1`, `"null"` and `null` read differently. */
function render(value: unknown): string {
  return truncate(JSON.stringify(value) ?? String(value), VALUE_SHOWN);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Appends what a failing service says about itself: its `reason`, `message` or `error` string.
 * "status is unhealthy" alone sends the operator to the logs; "heartbeat_timeout_447s" does not.
 */
function withServiceReason(problem: string, json: unknown): string {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return problem;
  for (const key of ["reason", "message", "error"]) {
    const value: unknown = Object.hasOwn(json, key)
      ? (json as Record<string, unknown>)[key]
      : undefined;
    if (typeof value === "string" && value.trim() !== "") {
      return `${problem}; ${key}: ${truncate(value.trim(), TEXT_SHOWN)}`;
    }
  }
  return problem;
}
