// The health probe of a service: one GET that asks the service itself how it is, judged by
// health-judge.ts. The HTTP mechanics (deadline, body limit, socket errors in an operator's
// words) are net/http.ts's; what is decided here is what to ask and how an answer reads.
import type { HealthCheck } from "../config/types.js";
import { httpRequest } from "../net/http.js";
import { displayUrl, printable } from "../shared/printable.js";
import {
  BODY_LIMIT,
  BODY_SHOWN,
  judgeResponse,
  parseJson,
  pickValues,
  statusExpected,
} from "./health-judge.js";

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
  /** Monotonic ms, for durationMs (default performance.now: a run passes its own clock). */
  monotonic?: () => number;
}

type Fetched =
  | { ok: true; httpStatus: number; text: string; truncated: boolean; durationMs: number }
  | { ok: false; httpStatus: number | null; reason: string; durationMs: number };

/** Probes one service: never throws and never outlives its timeout (by much); every failure is a result. */
export async function probeHealth(
  check: HealthCheck,
  options: ProbeOptions = {},
): Promise<HealthResult> {
  const userAgent = options.userAgent ?? "cleanup";
  const monotonic = options.monotonic ?? (() => performance.now());
  const wantsMetrics = check.metricsUrl !== undefined && check.show.length > 0;
  // Concurrently: both share the same deadline, so the probe takes one timeout at worst, not two.
  const [health, metrics] = await Promise.all([
    get(check.url, check.timeoutMs, check.tlsVerify, userAgent, monotonic),
    wantsMetrics
      ? get(check.metricsUrl as string, check.timeoutMs, check.tlsVerify, userAgent, monotonic)
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
 * One GET, read up to BODY_LIMIT. Redirects are not followed: a 3xx is the service's answer,
 * judged against expect_status.
 */
async function get(
  rawUrl: string,
  timeoutMs: number,
  tlsVerify: boolean,
  userAgent: string,
  monotonic: () => number,
): Promise<Fetched> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return {
      ok: false,
      httpStatus: null,
      reason: `invalid URL ${displayUrl(rawUrl)}`,
      durationMs: 0,
    };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return {
      ok: false,
      httpStatus: null,
      reason: `unsupported URL scheme ${url.protocol} (expected http or https)`,
      durationMs: 0,
    };
  }
  const result = await httpRequest({
    url,
    method: "GET",
    headers: { Accept: "application/json", "User-Agent": userAgent },
    timeoutMs,
    bodyLimit: BODY_LIMIT,
    tlsVerify,
    monotonic,
  });
  if (!result.ok) return result;
  return {
    ok: true,
    httpStatus: result.httpStatus,
    text: result.body.toString("utf8"),
    truncated: result.truncated,
    durationMs: result.durationMs,
  };
}
