// POST a JSON document, for the HTTP sinks: resolves on a 2xx, rejects with the status and the
// start of what the server said otherwise, or with the network's reason (net/errors.ts).
import { httpRequest } from "../net/http.js";

/** The first this many characters of a refusing server's answer go into the error. */
const BODY_EXCERPT = 200;
/** Read of a refusing answer: enough bytes for BODY_EXCERPT characters of any UTF-8. */
const EXCERPT_BYTES = BODY_EXCERPT * 4;

export async function postJson(
  url: URL,
  body: unknown,
  headers: Record<string, string>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<void> {
  const result = await httpRequest({
    url,
    method: "POST",
    headers: { "User-Agent": "cleanup", ...headers, "Content-Type": "application/json" },
    body: JSON.stringify(body),
    timeoutMs,
    // An accepted post's body is not read: the connection is let go at the status line.
    bodyLimit: (status) => (accepted(status) ? 0 : EXCERPT_BYTES),
    signal,
  });
  if (!result.ok) throw new Error(result.reason);
  if (accepted(result.httpStatus)) return;
  const excerpt = excerptOf(result.body.toString("utf8"), result.truncated);
  throw new Error(
    `HTTP ${result.httpStatus}${result.statusText ? ` ${result.statusText}` : ""}${excerpt ? `: ${excerpt}` : ""}`,
  );
}

function accepted(status: number): boolean {
  return status >= 200 && status <= 299;
}

/** One line of at most BODY_EXCERPT characters, "…" where it was cut. */
function excerptOf(text: string, truncated: boolean): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length > BODY_EXCERPT) return `${flat.slice(0, BODY_EXCERPT)}…`;
  return truncated && flat !== "" ? `${flat}…` : flat;
}
