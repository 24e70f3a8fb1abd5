// The four sinks behind one interface: send(digest, signal) resolves once the receiver took the
// digest and rejects with "<sink name>: <why>" otherwise. Every sink but the log has its own
// timeout on top of the caller's signal, so one dead receiver costs its timeout, not the run.
// Secrets are resolved at send time: a missing one fails that sink, not the whole run.
//
// nodemailer and pino are imported when a sink sends, not with this module: most runs send
// nothing. Measured here (Node 20, RSS after `import()` in a fresh process): nodemailer from
// node_modules +15 MiB, pino +9 MiB; in the esbuild bundle (CommonJS builds, see
// scripts/bundle-options.mjs) nodemailer +7.2 MiB and pino +2.0 MiB when loaded, +0.4 MiB each
// when never loaded.
import {
  alertmanagerPayload,
  emailBody,
  emailIdHeaders,
  emailSubject,
  slackText,
  statusWord,
  webhookJson,
} from "./format.js";
import { readSecretFile, resolveSecret } from "./secrets.js";
import type {
  AlertmanagerSinkConfig,
  EmailSinkConfig,
  SecretRef,
  SinkConfig,
  WebhookSinkConfig,
} from "./sink-config.js";
import type { Digest, Notification, Sink } from "./types.js";

export interface SinkOptions {
  env: NodeJS.ProcessEnv;
  /** Default readSecretFile: a regular file of at most 64 KiB that, as root, only root can write. */
  readFile?: (path: string) => string;
  /** settings.trust_paths: secret files accepted as root whoever owns or can write them. */
  trustPaths?: readonly string[];
  /** Where the log sink writes: process.stdout or process.stderr. */
  logStream?: NodeJS.WritableStream;
  /** The clock of Alertmanager's endsAt. */
  now?: () => Date;
}

/** A sink could not deliver; the message starts with the sink's name. */
export class SinkError extends Error {
  constructor(
    readonly sink: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${sink}: ${reason}`, options);
    this.name = "SinkError";
  }
}

/** The first this many characters of a refusing server's answer go into the error. */
const BODY_EXCERPT = 200;

export function createSink(config: SinkConfig, options: SinkOptions): Sink {
  const readFile =
    options.readFile ?? ((path: string) => readSecretFile(path, options.trustPaths ?? []));
  const secret = (ref: SecretRef): string => resolveSecret(ref, options.env, readFile);
  const now = options.now ?? (() => new Date());
  const send = (() => {
    switch (config.type) {
      case "log": {
        const stream = options.logStream ?? process.stdout;
        return (digest: Digest, signal: AbortSignal) => sendLog(digest, signal, stream);
      }
      case "email":
        return (digest: Digest, signal: AbortSignal) => sendEmail(config, digest, signal, secret);
      case "webhook":
        return (digest: Digest, signal: AbortSignal) => sendWebhook(config, digest, signal, secret);
      case "alertmanager":
        return (digest: Digest, signal: AbortSignal) =>
          sendAlertmanager(config, digest, signal, now());
    }
  })();
  return {
    name: config.name,
    type: config.type,
    async send(digest, signal) {
      try {
        await send(digest, signal);
      } catch (error) {
        throw new SinkError(config.name, reasonOf(error), { cause: error });
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// log

const LOG_LEVEL = { info: "info", warning: "warn", critical: "error" } as const;

function levelOf(n: Notification): "info" | "warn" | "error" {
  return n.status === "resolved" ? "info" : LOG_LEVEL[n.severity];
}

/**
 * JSON lines made by pino, or on a terminal one readable line each. pino writes into memory
 * and the lines go to the stream in one write whose callback resolves the send: by then the
 * bytes are in the kernel (pipe, file or journald socket), so the run may exit at once and
 * nothing is lost. pino's own sonic-boom destination buffers and can lose lines on exit (its
 * docs warn about it); a sync destination needs an fd and blocks the run, with no timeout, when
 * journald stops reading. A pending write here is still abandoned when the caller aborts.
 */
async function sendLog(
  digest: Digest,
  signal: AbortSignal,
  stream: NodeJS.WritableStream,
): Promise<void> {
  signal.throwIfAborted();
  const text = (stream as { isTTY?: boolean }).isTTY
    ? terminalLines(digest)
    : await jsonLines(digest);
  if (text !== "") await write(stream, text, signal);
}

async function jsonLines(digest: Digest): Promise<string> {
  const { pino } = await import("pino");
  const lines: string[] = [];
  const logger = pino(
    {
      base: null,
      messageKey: "summary",
      timestamp: pino.stdTimeFunctions.isoTime,
      // "warn" reads better than 40 in journalctl and grep.
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (line: string) => void lines.push(line) },
  );
  const extra = digest.test ? { test: true } : {};
  for (const n of digest.notifications) {
    logger[levelOf(n)](
      {
        key: n.key,
        status: n.status,
        ...(n.reminder && { reminder: true }),
        severity: n.severity,
        details: n.details,
        host: n.host,
        startsAt: n.startsAt,
        ...(n.endsAt !== undefined && { endsAt: n.endsAt }),
        ...extra,
      },
      n.summary,
    );
  }
  if (digest.test && digest.notifications.length === 0) {
    logger.info({ host: digest.host, test: true }, testLine(digest));
  }
  if (digest.dropped > 0) {
    logger.warn({ host: digest.host, dropped: digest.dropped }, droppedLine(digest));
  }
  return lines.join("");
}

function terminalLines(digest: Digest): string {
  const lines = digest.notifications.map((n) => {
    const status = n.status === "firing" && !n.reminder ? "" : `${statusWord(n).toLowerCase()}: `;
    return `${clock(n.createdAt)} ${levelOf(n).toUpperCase().padEnd(5)} ${status}${n.summary}`;
  });
  if (digest.test && digest.notifications.length === 0) {
    lines.push(`${clock(digest.runAt)} INFO  ${testLine(digest)}`);
  }
  if (digest.dropped > 0) lines.push(`${clock(digest.runAt)} WARN  ${droppedLine(digest)}`);
  return lines.map((l) => `${l}\n`).join("");
}

const testLine = (digest: Digest): string => `test alert from cleanup on ${digest.host}`;
const droppedLine = (digest: Digest): string =>
  `${digest.dropped} alert notification${digest.dropped === 1 ? " was" : "s were"} dropped (outbox full)`;

/** HH:MM:SS in local time, as a person at the terminal reads the clock. */
function clock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toTimeString().slice(0, 8);
}

function write(stream: NodeJS.WritableStream, text: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    stream.write(text, (error) => {
      signal.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve();
    });
  });
}

// ---------------------------------------------------------------------------------------------
// email

async function sendEmail(
  config: EmailSinkConfig,
  digest: Digest,
  signal: AbortSignal,
  secret: (ref: SecretRef) => string,
): Promise<void> {
  const deadline = withTimeout(signal, config.timeoutMs);
  const auth =
    config.username === undefined
      ? undefined
      : { user: config.username, pass: config.password ? secret(config.password) : "" };
  const { default: nodemailer } = await import("nodemailer");
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    // tls: TLS from the first byte (465). starttls: plain, then upgraded, and never sent in
    // the clear if the server does not offer STARTTLS. none: never upgraded, even if offered.
    secure: config.security === "tls",
    requireTLS: config.security === "starttls",
    ignoreTLS: config.security === "none",
    ...(auth && { auth }),
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
  });
  // nodemailer ≥ 10.5 takes a signal per message and closes that message's connection on
  // abort (@types/nodemailer 8 does not know it yet).
  const message: Parameters<typeof transport.sendMail>[0] & { signal: AbortSignal } = {
    from: config.from,
    to: config.to,
    subject: emailSubject(digest),
    text: emailBody(digest),
    ...emailIdHeaders(digest),
    signal: deadline,
  };
  try {
    await abortable(transport.sendMail(message), deadline);
  } catch (error) {
    throw timeoutOr(error, signal, deadline, config.timeoutMs);
  } finally {
    transport.close();
  }
}

// ---------------------------------------------------------------------------------------------
// webhook and Alertmanager

async function sendWebhook(
  config: WebhookSinkConfig,
  digest: Digest,
  signal: AbortSignal,
  secret: (ref: SecretRef) => string,
): Promise<void> {
  // The URL is a secret (Slack's carries its token): it never goes into an error message.
  const url = secret(config.url);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new Error("the webhook URL is not an http(s) URL");
  }
  const headers: Record<string, string> = {};
  for (const [name, ref] of Object.entries(config.headers)) headers[name] = secret(ref);
  const body = config.format === "json" ? webhookJson(digest) : { text: slackText(digest) };
  await postJson(url, body, headers, signal, config.timeoutMs);
}

async function sendAlertmanager(
  config: AlertmanagerSinkConfig,
  digest: Digest,
  signal: AbortSignal,
  now: Date,
): Promise<void> {
  const url = `${config.url.replace(/\/+$/, "")}/api/v2/alerts`;
  await postJson(url, alertmanagerPayload(digest, now, config.ttlMs), {}, signal, config.timeoutMs);
}

async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<void> {
  const deadline = withTimeout(signal, timeoutMs);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: deadline,
      // A redirected POST would be re-sent as a GET elsewhere; report it instead.
      redirect: "manual",
    });
    if (response.ok) {
      // Frees the connection for the next sink without waiting for a body nobody reads.
      await response.body?.cancel();
      return;
    }
    const excerpt = await readStart(response, BODY_EXCERPT);
    throw new Error(
      `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}${excerpt ? `: ${excerpt}` : ""}`,
    );
  } catch (error) {
    throw timeoutOr(error, signal, deadline, timeoutMs);
  }
}

/** The first `max` characters of a body, without reading the rest of a large one. */
async function readStart(response: Response, max: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < max) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

// ---------------------------------------------------------------------------------------------
// signals and reasons

/** The caller's signal, or the sink's own timeout, whichever fires first. */
function withTimeout(signal: AbortSignal, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  // AbortSignal.any arrived in Node 20.3; package.json allows any Node 20.
  if (typeof AbortSignal.any === "function") return AbortSignal.any([signal, timeout]);
  const controller = new AbortController();
  for (const s of [signal, timeout]) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener("abort", () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

/** Rejects when the signal aborts, whether or not the work under it notices. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** A failure after the deadline passed says so; the caller's abort says it was the caller's. */
function timeoutOr(
  error: unknown,
  callerSignal: AbortSignal,
  deadline: AbortSignal,
  timeoutMs: number,
): Error {
  if (callerSignal.aborted) {
    return new Error(`aborted: ${reasonOf(callerSignal.reason)}`, { cause: error });
  }
  if (deadline.aborted) return new Error(`no answer within ${timeoutMs} ms`, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}

/**
 * The most telling message of an error: fetch rejects with "fetch failed" and the socket error
 * ("connect ECONNREFUSED 127.0.0.1:9093") as its cause.
 */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (error.message === "fetch failed" && cause instanceof Error) return cause.message;
  return error.message;
}
