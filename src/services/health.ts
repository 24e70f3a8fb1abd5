// The health probe of a service: one GET that asks the service itself how it is. A port that
// answers is not a healthy service (the incident behind this: a worker whose port answered while
// it said {"status": "unhealthy", "reason": "heartbeat_timeout_447s"}), so the body is judged
// too, and what the service says about itself reaches the operator.
//
// Judging (judgeResponse, pickValues) is pure and separate from the network (probeHealth), so
// the rules are unit-tested on plain data and the I/O against real sockets.
import type { ClientRequest } from "node:http";
import type { RequestOptions } from "node:https";
import type { HealthCheck } from "../config/types.js";
import { formatDuration } from "../config/units.js";
import { displayUrl, printable } from "../shared/printable.js";

export interface HealthResult {
  url: string;
  /** unreachable: no complete HTTP answer (refused, timeout, DNS, TLS); unhealthy: an answer that fails the check. */
  status: "healthy" | "unhealthy" | "unreachable";
  httpStatus: number | null;
  /** One line for an alert: what was wrong, and what the service said about it. */
  reason: string;
  /** The first BODY_SHOWN characters of the body, control characters escaped; null without an answer. */
  body: string | null;
  values: { label: string; value: string | null }[];
  durationMs: number;
}

export interface ProbeOptions {
  /** Default "cleanup"; the caller that knows the version passes "cleanup/<version>". */
  userAgent?: string;
}

/** Read no more than this: a health body is small, and a runaway one must not cost memory. */
export const BODY_LIMIT = 64 * 1024;
/** What a result keeps of the body, for the operator to read next to the reason. */
const BODY_SHOWN = 500;
/** The longest a server-chosen text (a value, its own reason) may make a line. */
const TEXT_SHOWN = 200;
const VALUE_SHOWN = 80;

type Expectation = HealthCheck["expectJson"][number];
type Show = HealthCheck["show"];

// ---------------------------------------------------------------------------------------------
// Judging: pure.

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

function statusExpected(expect: number[] | null, httpStatus: number): boolean {
  return expect === null ? httpStatus >= 200 && httpStatus <= 299 : expect.includes(httpStatus);
}

function describeExpectedStatus(expect: number[] | null): string {
  if (expect === null) return "2xx";
  if (expect.length <= 1) return String(expect[0] ?? "none");
  return `${expect.slice(0, -1).join(", ")} or ${expect[expect.length - 1]}`;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
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

// ---------------------------------------------------------------------------------------------
// The network.

type Fetched =
  | { ok: true; httpStatus: number; text: string; truncated: boolean; durationMs: number }
  | { ok: false; httpStatus: number | null; reason: string; durationMs: number };

/** Probes one service: never throws and never outlives its timeout (by much); every failure is a result. */
export async function probeHealth(
  check: HealthCheck,
  options: ProbeOptions = {},
): Promise<HealthResult> {
  const userAgent = options.userAgent ?? "cleanup";
  const wantsMetrics = check.metricsUrl !== undefined && check.show.length > 0;
  // Concurrently: both share the same deadline, so the probe takes one timeout at worst, not two.
  const [health, metrics] = await Promise.all([
    get(check.url, check.timeoutMs, check.tlsVerify, userAgent),
    wantsMetrics
      ? get(check.metricsUrl as string, check.timeoutMs, check.tlsVerify, userAgent)
      : undefined,
  ]);

  // Values come from the metrics endpoint when there is one (even if the health GET failed: the
  // numbers help explain why); a failing one leaves them null and does not change the verdict,
  // since the service's health is what its health endpoint says.
  let source: unknown = undefined;
  if (metrics === undefined) source = health.ok ? parseJsonOrUndefined(health.text) : undefined;
  else if (metrics.ok && statusExpected(null, metrics.httpStatus)) {
    source = parseJsonOrUndefined(metrics.text);
  }

  // What reports, JSON, alerts and the saved state carry: never the URL's credentials.
  const base = { url: displayUrl(check.url), durationMs: health.durationMs };
  if (!health.ok) {
    return {
      ...base,
      status: "unreachable",
      httpStatus: health.httpStatus,
      reason: printable(health.reason),
      body: null,
      values: pickValues(check.show, source),
    };
  }

  const verdict = judgeResponse(check, health.httpStatus, health.text, health.truncated);
  return {
    ...base,
    status: verdict.status,
    httpStatus: health.httpStatus,
    reason: verdict.reason,
    body: printable(health.text.slice(0, BODY_SHOWN)),
    values: pickValues(check.show, source),
  };
}

/** All checks at once: a run waits for the slowest, not the sum. Keyed by name. */
export async function probeAll(
  checks: { name: string; check: HealthCheck }[],
  options: ProbeOptions = {},
): Promise<Map<string, HealthResult>> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => [name, await probeHealth(check, options)] as const),
  );
  return new Map(results);
}

function parseJsonOrUndefined(text: string): unknown {
  const parsed = parseJson(text);
  return parsed.ok ? parsed.value : undefined;
}

/**
 * One GET with node:http(s), not fetch: TLS verification is chosen per request
 * (rejectUnauthorized), and one hard deadline covers DNS, connect, headers and body.
 * Redirects are not followed: a 3xx is the service's answer, judged against expect_status.
 */
function get(
  rawUrl: string,
  timeoutMs: number,
  tlsVerify: boolean,
  userAgent: string,
): Promise<Fetched> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);

  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return Promise.resolve({
      ok: false,
      httpStatus: null,
      reason: `invalid URL ${displayUrl(rawUrl)}`,
      durationMs: 0,
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Promise.resolve({
      ok: false,
      httpStatus: null,
      reason: `unsupported URL scheme ${url.protocol} (expected http or https)`,
      durationMs: 0,
    });
  }
  const endpoint = `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;

  return loadClient(url.protocol).then(
    (client) =>
      new Promise<Fetched>((resolve) => {
        let settled = false;
        let httpStatus: number | null = null;
        let req: ClientRequest | undefined;

        // Settles once; whatever the request emits afterwards (errors from destroy()) is ignored.
        const settle = (result: Fetched) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(result);
          req?.destroy();
        };
        const fail = (reason: string) =>
          settle({ ok: false, httpStatus, reason, durationMs: elapsed() });

        // The deadline settles the result itself rather than waiting for destroy() to surface as an
        // event: whichever events a half-open socket does or does not emit, the probe ends on time.
        const timer = setTimeout(() => {
          const within = describeTimeout(timeoutMs);
          fail(
            httpStatus === null
              ? `no answer within ${within}`
              : `HTTP ${httpStatus} but the body was not complete within ${within}`,
          );
        }, timeoutMs);

        const options: RequestOptions = {
          method: "GET",
          headers: { Accept: "application/json", "User-Agent": userAgent },
          // No shared agent: no keep-alive socket outlives the probe, and no proxy a global agent
          // may be set up with (NODE_USE_ENV_PROXY): a health check asks the service directly.
          agent: false,
        };
        try {
          req = client.request(
            url,
            url.protocol === "https:" ? { ...options, rejectUnauthorized: tlsVerify } : options,
          );
        } catch (err) {
          fail(errorReason(err, endpoint, url.hostname));
          return;
        }

        req.on("error", (err) =>
          fail(errorReason(err, endpoint, url.hostname, httpStatus !== null)),
        );
        req.on("response", (res) => {
          httpStatus = res.statusCode ?? null;
          const chunks: Buffer[] = [];
          let size = 0;
          const done = (truncated: boolean) =>
            settle({
              ok: true,
              httpStatus: httpStatus ?? 0,
              text: Buffer.concat(chunks).toString("utf8"),
              truncated,
              durationMs: elapsed(),
            });
          res.on("data", (chunk: Buffer) => {
            if (settled) return;
            const room = BODY_LIMIT - size;
            if (chunk.length > room) {
              // Keep what fits and stop reading (settle destroys the request): judged on that.
              chunks.push(chunk.subarray(0, room));
              size = BODY_LIMIT;
              done(true);
              return;
            }
            chunks.push(chunk);
            size += chunk.length;
          });
          res.on("end", () => done(false));
          res.on("error", (err) => fail(errorReason(err, endpoint, url.hostname, true)));
          // A connection closed before the body ended, without an error event.
          res.on("close", () => fail("connection closed before the body was complete"));
        });
        req.end();
      }),
  );
}

/** node:http or node:https, loaded only by a run that probes: https brings tls with it. */
function loadClient(
  protocol: string,
): Promise<{ request: (url: URL, options: RequestOptions) => ClientRequest }> {
  return protocol === "https:" ? import("node:https") : import("node:http");
}

/** "2s", "300ms", "1.5s": as an operator wrote it in `timeout:`. */
function describeTimeout(ms: number): string {
  if (ms % 1000 === 0) return formatDuration(ms);
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

const CERTIFICATE_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_REVOKED",
  "CERT_SIGNATURE_FAILURE",
  "INVALID_CA",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** An operator's words for a socket error; the code name is a fallback, not the message. */
function errorReason(err: unknown, endpoint: string, host: string, afterHeaders = false): string {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : String(err);
  if (CERTIFICATE_CODES.has(code)) return `certificate: ${message}`;
  if (afterHeaders && (code === "ECONNRESET" || message === "aborted")) {
    return "connection reset while reading the body";
  }
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused (${endpoint})`;
    case "ENOTFOUND":
      return `host not found (${host})`;
    case "EAI_AGAIN":
      return `DNS lookup failed, try again later (${host})`;
    case "ECONNRESET":
      return `connection reset (${endpoint})`;
    case "EHOSTUNREACH":
      return `host unreachable (${endpoint})`;
    case "ENETUNREACH":
      return `network unreachable (${endpoint})`;
    case "ETIMEDOUT":
      return `connection timed out (${endpoint})`;
    case "EPROTO":
    case "ERR_SSL_WRONG_VERSION_NUMBER":
      return `TLS handshake failed (${endpoint}): ${message}`;
  }
  if (code.startsWith("HPE_")) return `not a valid HTTP response (${endpoint}): ${message}`;
  if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) return `TLS: ${message}`;
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
