// Network failures in an operator's words, one vocabulary for every caller (health probes, the
// HTTP sinks, the e-mail sink, delivery's own guard): "connection refused (10.0.0.5:8080)", "no
// answer within 2s", "aborted: run is over". The errno name is a fallback, not the message.
import { formatDuration } from "../shared/format-duration.js";

/** "2s", "300ms", "1.5s", "1m30s": as an operator writes it in `timeout:`. */
export function describeTimeout(ms: number): string {
  if (ms % 1000 !== 0) return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
  return formatDuration(ms);
}

/** A deadline that passed before any answer came. */
export function noAnswerWithin(ms: number): string {
  return `no answer within ${describeTimeout(ms)}`;
}

/** The message of anything thrown or given as an abort reason. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The caller (the run, its deadline) stopped the work: said as the caller's, not the server's. */
export function abortedReason(signal: AbortSignal): string {
  return `aborted: ${errorMessage(signal.reason)}`;
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

export interface Endpoint {
  /** As the URL or config names it. */
  host: string;
  port: number | string;
}

/**
 * The words for a socket, TLS or HTTP-parser error, or undefined when the error is none of those
 * (the caller keeps its own message then). `afterHeaders`: the answer had begun, so a reset cut
 * the body rather than refused the request.
 */
export function socketReason(
  err: unknown,
  endpoint: Endpoint,
  afterHeaders = false,
): string | undefined {
  const e = err as NodeJS.ErrnoException & { originalCode?: unknown };
  // nodemailer puts its own code (ESOCKET) on a socket error and keeps the errno's aside.
  const code =
    typeof e?.originalCode === "string"
      ? e.originalCode
      : typeof e?.code === "string"
        ? e.code
        : "";
  const message = typeof e?.message === "string" ? e.message : String(err);
  const at = `${endpoint.host}:${endpoint.port}`;
  if (CERTIFICATE_CODES.has(code)) return `certificate: ${message}`;
  if (afterHeaders && (code === "ECONNRESET" || message === "aborted")) {
    return "connection reset while reading the body";
  }
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused (${at})`;
    case "ENOTFOUND":
      return `host not found (${endpoint.host})`;
    case "EAI_AGAIN":
      return `DNS lookup failed, try again later (${endpoint.host})`;
    case "ECONNRESET":
      return `connection reset (${at})`;
    case "EHOSTUNREACH":
      return `host unreachable (${at})`;
    case "ENETUNREACH":
      return `network unreachable (${at})`;
    case "ETIMEDOUT":
      return `connection timed out (${at})`;
    case "EPROTO":
    case "ERR_SSL_WRONG_VERSION_NUMBER":
      return `TLS handshake failed (${at}): ${message}`;
  }
  if (code.startsWith("HPE_")) return `not a valid HTTP response (${at}): ${message}`;
  if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) return `TLS: ${message}`;
  return undefined;
}

/** socketReason, or the error's own message with its code in front when the message lacks it. */
export function networkReason(err: unknown, endpoint: Endpoint, afterHeaders = false): string {
  const known = socketReason(err, endpoint, afterHeaders);
  if (known !== undefined) return known;
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
