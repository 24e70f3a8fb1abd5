// One HTTP request with node:http(s), for the health probes and the HTTP sinks. Not fetch: TLS
// verification is chosen per request (rejectUnauthorized), one hard deadline covers DNS,
// connect, headers and body, and the body is read only up to a limit. Redirects are never
// followed: a 3xx is the server's answer (a redirected POST would be re-sent as a GET elsewhere).
// Never rejects: every failure is a result with a reason in an operator's words (errors.ts).
import type { ClientRequest } from "node:http";
import type { RequestOptions } from "node:https";
import { http, https } from "../shared/lazy-builtins.js";
import { abortedReason, describeTimeout, networkReason, noAnswerWithin } from "./errors.js";

export interface HttpRequest {
  /** http: or https: (the caller checks: its words for a bad URL are its own). */
  url: URL;
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** The hard deadline of the whole exchange. */
  timeoutMs: number;
  /** The body is read up to this many bytes (per answer status: 0 reads none); the rest is cut. */
  bodyLimit: number | ((httpStatus: number) => number);
  /** Default true: a certificate nobody vouches for is refused. */
  tlsVerify?: boolean;
  /** The caller's: aborting ends the request at once, "aborted: <reason>". */
  signal?: AbortSignal;
  /** Monotonic ms for durationMs (default performance.now: a run passes its own clock). */
  monotonic?: () => number;
}

export type HttpResult =
  | {
      ok: true;
      httpStatus: number;
      statusText: string;
      body: Buffer;
      /** The body was cut at the limit (or not read at all: a limit of 0). */
      truncated: boolean;
      durationMs: number;
    }
  | { ok: false; httpStatus: number | null; reason: string; durationMs: number };

export function httpRequest(request: HttpRequest): Promise<HttpResult> {
  const monotonic = request.monotonic ?? (() => performance.now());
  const started = monotonic();
  const elapsed = () => Math.round(monotonic() - started);
  const { url, timeoutMs, signal } = request;
  const endpoint = {
    host: url.hostname,
    port: url.port || (url.protocol === "https:" ? "443" : "80"),
  };
  if (signal?.aborted) {
    return Promise.resolve({
      ok: false,
      httpStatus: null,
      reason: abortedReason(signal),
      durationMs: 0,
    });
  }

  return loadClient(url.protocol).then(
    (client) =>
      new Promise<HttpResult>((resolve) => {
        let settled = false;
        let httpStatus: number | null = null;
        let req: ClientRequest | undefined;

        // Settles once; whatever the request emits afterwards (errors from destroy()) is ignored.
        const settle = (result: HttpResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve(result);
          req?.destroy();
        };
        const fail = (reason: string) =>
          settle({ ok: false, httpStatus, reason, durationMs: elapsed() });

        // The deadline settles the result itself rather than waiting for destroy() to surface as
        // an event: whichever events a half-open socket does or does not emit, it ends on time.
        const timer = setTimeout(() => {
          fail(
            httpStatus === null
              ? noAnswerWithin(timeoutMs)
              : `HTTP ${httpStatus} but the body was not complete within ${describeTimeout(timeoutMs)}`,
          );
        }, timeoutMs);

        const onAbort = () => fail(abortedReason(signal as AbortSignal));
        signal?.addEventListener("abort", onAbort, { once: true });
        // Aborted while node:http(s) was loading: the listener came too late to hear it.
        if (signal?.aborted) {
          onAbort();
          return;
        }

        const headers: Record<string, string> = { ...request.headers };
        if (request.body !== undefined) {
          headers["Content-Length"] = String(Buffer.byteLength(request.body));
        }
        const options: RequestOptions = {
          method: request.method,
          headers,
          // No shared agent: no keep-alive socket outlives the request, and no proxy a global
          // agent may be set up with (NODE_USE_ENV_PROXY): the server is asked directly.
          agent: false,
        };
        try {
          req = client.request(
            url,
            url.protocol === "https:"
              ? { ...options, rejectUnauthorized: request.tlsVerify ?? true }
              : options,
          );
        } catch (err) {
          // An invalid header (a secret with a newline): Node names the header, not its value.
          fail(networkReason(err, endpoint));
          return;
        }

        req.on("error", (err) => fail(networkReason(err, endpoint, httpStatus !== null)));
        req.on("response", (res) => {
          httpStatus = res.statusCode ?? null;
          const limit =
            typeof request.bodyLimit === "function"
              ? request.bodyLimit(httpStatus ?? 0)
              : request.bodyLimit;
          const chunks: Buffer[] = [];
          let size = 0;
          const done = (truncated: boolean) =>
            settle({
              ok: true,
              httpStatus: httpStatus ?? 0,
              statusText: res.statusMessage ?? "",
              body: Buffer.concat(chunks),
              truncated,
              durationMs: elapsed(),
            });
          if (limit <= 0) {
            done(true);
            return;
          }
          res.on("data", (chunk: Buffer) => {
            if (settled) return;
            const room = limit - size;
            if (chunk.length > room) {
              // Keep what fits and stop reading (settle destroys the request).
              chunks.push(chunk.subarray(0, room));
              size = limit;
              done(true);
              return;
            }
            chunks.push(chunk);
            size += chunk.length;
          });
          res.on("end", () => done(false));
          res.on("error", (err) => fail(networkReason(err, endpoint, true)));
          // A connection closed before the body ended, without an error event.
          res.on("close", () => fail("connection closed before the body was complete"));
        });
        req.end(request.body);
      }),
  );
}

/** node:http or node:https, loaded only when a request is made: https brings tls with it. */
function loadClient(
  protocol: string,
): Promise<{ request: (url: URL, options: RequestOptions) => ClientRequest }> {
  return Promise.resolve(protocol === "https:" ? https() : http());
}
