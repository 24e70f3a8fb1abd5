// The sinks against real receivers on 127.0.0.1, each on a port the OS chose: an SMTP server
// (smtp-server), an HTTP server (node:http) and a real Prometheus Alertmanager. Every server is
// closed, and the Alertmanager stopped, by its own handle.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { Writable } from "node:stream";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleOptions } from "../../scripts/bundle-options.mjs";
import { createSink } from "../../src/alerts/create-sink.js";
import { Alertmanager, type ApiAlert } from "../helpers/alertmanager.js";
import { hasOpenssl, selfSignedCertificate } from "../helpers/tls-cert.js";
import type { AlertmanagerSinkConfig } from "../../src/sinks/alertmanager.js";
import type { EmailSinkConfig } from "../../src/sinks/email.js";
import type { SinkConfig } from "../../src/sinks/registry.js";
import type { WebhookSinkConfig } from "../../src/sinks/webhook.js";
import type { Digest, Notification } from "../../src/alerts/types.js";

const dir = mkdtempSync(join(tmpdir(), "cleanup-sinks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const never = new AbortController().signal;

function notification(over: Partial<Notification> = {}): Notification {
  const now = new Date().toISOString();
  return {
    id: `rule:uvicorn-reload@${now}#firing`,
    key: "rule:uvicorn-reload",
    status: "firing",
    reminder: false,
    severity: "critical",
    summary: "uvicorn-reload: 2 processes (orphaned; rss over 1 GiB)",
    details: [
      "pid 40417 (app, age 3h, rss 1.2 GiB) /usr/bin/python3 -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5)",
      "pid 40418 (app, age 3h, rss 1.1 GiB) /usr/bin/python3 -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5)",
    ],
    labels: { alertname: "CleanupRule", rule: "uvicorn-reload" },
    host: "web-3",
    startsAt: new Date(Date.now() - 3600_000).toISOString(),
    createdAt: now,
    ...over,
  };
}

function digest(notifications: Notification[], over: Partial<Digest> = {}): Digest {
  return {
    host: "web-3",
    runAt: new Date().toISOString(),
    test: false,
    notifications,
    open: notifications.filter((n) => n.status === "firing"),
    dropped: 0,
    ...over,
  };
}

const memory = notification({
  id: "threshold:memory#firing",
  key: "threshold:memory",
  severity: "warning",
  summary: "memory in use 87.2%: warning (warn 75%, critical 90%)",
  details: ["value 87.2%, warn 75%, critical 90%"],
  labels: { alertname: "CleanupThreshold", resource: "memory" },
});

async function listenOn(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listenOn(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------------
// SMTP

interface Received {
  to: string[];
  raw: string;
  secure: boolean;
  user?: string;
  password?: string;
}

class SmtpReceiver {
  readonly mails: Received[] = [];
  private server: SMTPServer | undefined;
  port = 0;

  async start(options: Partial<SMTPServerOptions> = {}): Promise<this> {
    const logins = new Map<string, { user: string; password: string }>();
    this.server = new SMTPServer({
      secure: false,
      authOptional: true,
      allowInsecureAuth: true,
      logger: false,
      ...options,
      onAuth: (auth, session, callback) => {
        logins.set(session.id, { user: auth.username ?? "", password: auth.password ?? "" });
        callback(null, { user: auth.username });
      },
      onData: (stream, session, callback) => {
        let raw = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => (raw += chunk));
        stream.on("end", () => {
          const login = logins.get(session.id);
          this.mails.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            secure: session.secure,
            ...(login && { user: login.user, password: login.password }),
          });
          callback();
        });
      },
    });
    this.server.on("error", () => undefined); // a client that aborts is not the test's failure
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(0, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Headers (unfolded, lower-case names) and the decoded text body of a single-part mail. */
function parseMail(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.slice(split + 4);
  const encoding = headers.get("content-transfer-encoding")?.toLowerCase();
  if (encoding === "quoted-printable") {
    const bytes = body
      .replace(/=\r\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    body = Buffer.from(bytes, "latin1").toString("utf8");
  } else if (encoding === "base64") {
    body = Buffer.from(body, "base64").toString("utf8");
  }
  return { headers, body: body.replace(/\r\n/g, "\n") };
}

function emailConfig(port: number, over: Partial<EmailSinkConfig> = {}): EmailSinkConfig {
  return {
    type: "email",
    name: "ops-mail",
    host: "127.0.0.1",
    port,
    security: "none",
    from: "cleanup@web-3.example",
    to: ["ops@example.com", "oncall@example.com"],
    timeoutMs: 2000,
    ...over,
  };
}

describe("email sink", () => {
  const smtp = new SmtpReceiver();
  beforeAll(() => smtp.start({ disabledCommands: ["STARTTLS"] }));
  afterAll(() => smtp.stop());

  it("delivers the digest to a real SMTP server, logging in with a secret from the env", async () => {
    const sink = createSink(
      emailConfig(smtp.port, { username: "alerts", password: { env: "TEST_SMTP_PASSWORD" } }),
      { env: { TEST_SMTP_PASSWORD: "pa55 word" } },
    );
    await sink.send(digest([notification(), memory]), never);

    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.to).toEqual(["ops@example.com", "oncall@example.com"]);
    expect(mail).toMatchObject({ user: "alerts", password: "pa55 word", secure: false });
    const { headers, body } = parseMail(mail.raw);
    expect(headers.get("to")).toBe("ops@example.com, oncall@example.com");
    expect(headers.get("from")).toBe("cleanup@web-3.example");
    expect(headers.get("subject")).toBe("[cleanup] web-3: 2 firing");
    expect(headers.get("content-type")).toMatch(/^text\/plain/);
    expect(body).toContain("cleanup on web-3, run at");
    expect(body).toContain("FIRING (critical)\nuvicorn-reload: 2 processes");
    expect(body).toContain("    pid 40417 (app, age 3h, rss 1.2 GiB) /usr/bin/python3 -c from");
    expect(body).toContain("pid 40418");
    expect(body).toContain("memory in use 87.2%");
    expect(body).toContain("value 87.2%, warn 75%, critical 90%");
  });

  it("carries ids a receiver can drop a re-sent copy by: the same digest, the same Message-ID", async () => {
    const sink = createSink(emailConfig(smtp.port), { env: {} });
    const before = smtp.mails.length;
    // As after a crash between the server's accepting and the outbox's saving: sent again.
    const d = digest([notification(), memory]);
    await sink.send(d, never);
    await sink.send(d, never);
    await sink.send(digest([memory]), never);
    const [first, again, other] = smtp.mails.slice(before).map((m) => parseMail(m.raw).headers);
    expect(first!.get("message-id")).toMatch(/^<cleanup\.[0-9a-f]{32}@web-3>$/);
    expect(again!.get("message-id")).toBe(first!.get("message-id"));
    expect(other!.get("message-id")).not.toBe(first!.get("message-id"));
    expect(first!.get("x-cleanup-notification-ids")).toBe(
      `${d.notifications[0]!.id} threshold:memory#firing`,
    );
  });

  it("a missing password fails this sink with the variable's name, and sends nothing", async () => {
    const before = smtp.mails.length;
    const sink = createSink(
      emailConfig(smtp.port, { username: "alerts", password: { env: "TEST_SMTP_PASSWORD" } }),
      { env: {} },
    );
    await expect(sink.send(digest([memory]), never)).rejects.toThrow(
      "ops-mail: environment variable TEST_SMTP_PASSWORD is not set",
    );
    expect(smtp.mails).toHaveLength(before);
  });

  it("nothing listening: rejects at once, naming the sink and the address", async () => {
    const port = await closedPort();
    // "At once": long before a timeout set far above any delay a busy machine adds.
    const sink = createSink(emailConfig(port, { timeoutMs: 120_000 }), { env: {} });
    const started = Date.now();
    await expect(sink.send(digest([memory]), never)).rejects.toThrow(
      `ops-mail: connection refused (127.0.0.1:${port})`,
    );
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it("a server that never greets: rejects within the timeout", async () => {
    const sockets = new Set<Socket>();
    const mute = createNetServer((socket) => void sockets.add(socket));
    const port = await listenOn(mute);
    try {
      const sink = createSink(emailConfig(port, { timeoutMs: 500 }), { env: {} });
      await expect(sink.send(digest([memory]), never)).rejects.toThrow(
        "ops-mail: no answer within 500ms",
      );
      // The message names what ended it; the server never answers, so no bound is needed
      // beyond the hang guard (the test's timeout), and none that a busy machine could break.
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  it("the caller's abort stops a send and says so", async () => {
    const sockets = new Set<Socket>();
    const mute = createNetServer((socket) => void sockets.add(socket));
    const port = await listenOn(mute);
    try {
      const sink = createSink(emailConfig(port, { timeoutMs: 10_000 }), { env: {} });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("run is over")), 200);
      await expect(sink.send(digest([memory]), controller.signal)).rejects.toThrow(
        "ops-mail: aborted: run is over",
      );
      // The message names what ended it; the server never answers, so no bound is needed
      // beyond the hang guard (the test's timeout), and none that a busy machine could break.
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  it("starttls never falls back to plain text when the server offers no STARTTLS", async () => {
    const before = smtp.mails.length;
    const sink = createSink(emailConfig(smtp.port, { security: "starttls" }), { env: {} });
    await expect(sink.send(digest([memory]), never)).rejects.toThrow(/^ops-mail: .*STARTTLS/);
    expect(smtp.mails).toHaveLength(before);
  });
});

// ---------------------------------------------------------------------------------------------
// The bundled sink in a child: STARTTLS and TLS with a certificate made now, trusted through
// NODE_EXTRA_CA_CERTS (read by Node at start only, hence the child), and the log sink's lines
// on an immediate exit.

interface ChildOutcome {
  ok: boolean;
  error?: string;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  stdout: string;
}

let bundled: string | undefined;
async function bundledDriver(): Promise<string> {
  if (bundled) return bundled;
  const outfile = join(dir, "send-digest.mjs");
  await build({
    ...bundleOptions,
    entryPoints: [fileURLToPath(new URL("../fixtures/send-digest.ts", import.meta.url))],
    outfile,
  });
  bundled = outfile;
  return outfile;
}

async function sendInChild(
  config: SinkConfig,
  d: Digest,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildOutcome> {
  const driver = await bundledDriver();
  const input = join(dir, `input-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(input, JSON.stringify({ config, digest: d }));
  const child = spawn(process.execPath, [driver, input], {
    // Run from the temp dir: the bundle must not need node_modules.
    cwd: dir,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const last = stderr.trim().split("\n").pop() ?? "";
  if (code !== 0 || !last.startsWith("{")) {
    throw new Error(`driver ended with ${code}: ${stderr}`);
  }
  return { ...(JSON.parse(last) as Omit<ChildOutcome, "stdout">), stdout };
}

if (!hasOpenssl) console.warn("skipping the STARTTLS/TLS tests: no openssl to make a certificate");

describe.skipIf(!hasOpenssl)("email sink over TLS (bundled, in a child)", () => {
  const certFile = join(dir, "cert.pem");
  const starttls = new SmtpReceiver();
  const implicit = new SmtpReceiver();

  beforeAll(async () => {
    const { key, cert } = selfSignedCertificate();
    // On disk too: the child trusts it through NODE_EXTRA_CA_CERTS.
    writeFileSync(certFile, cert);
    await starttls.start({ key, cert });
    await implicit.start({ secure: true, key, cert });
  });
  afterAll(() => Promise.all([starttls.stop(), implicit.stop()]));

  it("starttls: upgraded before anything is sent, certificate verified", async () => {
    const config = emailConfig(starttls.port, {
      security: "starttls",
      username: "alerts",
      password: { env: "SMTP_PASSWORD" },
    });
    const outcome = await sendInChild(config, digest([notification()]), {
      NODE_EXTRA_CA_CERTS: certFile,
      SMTP_PASSWORD: "over tls",
    });
    expect(outcome).toMatchObject({ ok: true });
    expect(starttls.mails).toHaveLength(1);
    expect(starttls.mails[0]).toMatchObject({ secure: true, user: "alerts", password: "over tls" });
    expect(parseMail(starttls.mails[0]!.raw).body).toContain("pid 40417");
  });

  it("starttls with a certificate nobody vouches for: refused, nothing sent", async () => {
    const before = starttls.mails.length;
    const outcome = await sendInChild(
      emailConfig(starttls.port, { security: "starttls" }),
      digest([memory]),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/^ops-mail: .*self.signed certificate/);
    expect(starttls.mails).toHaveLength(before);
  });

  it("none: stays in plain text even where STARTTLS is offered", async () => {
    await createSink(emailConfig(starttls.port), { env: {} }).send(digest([memory]), never);
    expect(starttls.mails.at(-1)?.secure).toBe(false);
  });

  it("tls: TLS from the first byte", async () => {
    const outcome = await sendInChild(
      emailConfig(implicit.port, { security: "tls" }),
      digest([memory]),
      { NODE_EXTRA_CA_CERTS: certFile },
    );
    expect(outcome).toMatchObject({ ok: true });
    // nodemailer, a TLS connection and one mail, from the bundle: 7.2 MiB measured here.
    expect(outcome.rssAfterMiB - outcome.rssBeforeMiB).toBeLessThan(12);
    expect(implicit.mails).toHaveLength(1);
    expect(implicit.mails[0]?.secure).toBe(true);
    expect(parseMail(implicit.mails[0]!.raw).headers.get("subject")).toBe(
      "[cleanup] web-3: WARNING memory in use 87.2%: warning (warn 75%, critical 90%)",
    );
  });
});

describe("log sink (bundled, in a child that exits at once)", () => {
  it("every JSON line is out when send resolves, even on an immediate process.exit", async () => {
    // ~1.5 MB, far over a pipe's 64 KiB buffer.
    const many = Array.from({ length: 3000 }, (_, i) =>
      notification({ key: `rule:r${i}`, summary: `r${i}: 1 process`, severity: "warning" }),
    );
    const outcome = await sendInChild(
      { type: "log", name: "journal" },
      digest(many, { dropped: 2 }),
    );
    expect(outcome).toMatchObject({ ok: true });
    const lines = outcome.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3001);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({
      level: "warn",
      key: "rule:r0",
      status: "firing",
      severity: "warning",
      summary: "r0: 1 process",
      host: "web-3",
    });
    expect(first.details).toHaveLength(2);
    expect(JSON.parse(lines[3000]!)).toMatchObject({ level: "warn", dropped: 2 });
  });

  it("loading pino from the bundle costs a few MiB, not the 9 MiB of node_modules", async () => {
    const outcome = await sendInChild({ type: "log", name: "journal" }, digest([memory]));
    expect(outcome).toMatchObject({ ok: true });
    // 2.4 MiB measured here.
    expect(outcome.rssAfterMiB - outcome.rssBeforeMiB).toBeLessThan(6);
  });
});

describe("log sink (in process)", () => {
  function collector(isTTY = false): Writable & { text: () => string } {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString("utf8"));
        callback();
      },
    });
    return Object.assign(stream, { isTTY, text: () => chunks.join("") });
  }
  const mixed = digest([
    notification(),
    memory,
    notification({ key: "threshold:disk:/", status: "resolved", endsAt: new Date().toISOString() }),
    notification({ key: "killed:x", status: "event", severity: "info", summary: "x: killed 1" }),
  ]);

  it("a JSON line per notification, the level from severity, info when resolved, notice for a kill", async () => {
    const stream = collector();
    await createSink({ type: "log", name: "journal" }, { env: {}, logStream: stream }).send(
      mixed,
      never,
    );
    const lines = stream
      .text()
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.level, l.key, l.status])).toEqual([
      ["error", "rule:uvicorn-reload", "firing"],
      ["warn", "threshold:memory", "firing"],
      ["info", "threshold:disk:/", "resolved"],
      ["notice", "killed:x", "event"],
    ]);
    expect(Object.keys(lines[2]!).sort()).toEqual([
      "details",
      "endsAt",
      "host",
      "key",
      "level",
      "severity",
      "startsAt",
      "status",
      "summary",
      "time",
    ]);
    expect(lines[0]).not.toHaveProperty("endsAt");
  });

  it("on a terminal, a readable line each", async () => {
    const stream = collector(true);
    await createSink({ type: "log", name: "journal" }, { env: {}, logStream: stream }).send(
      { ...mixed, dropped: 3 },
      never,
    );
    const lines = stream.text().trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d ERROR uvicorn-reload: 2 processes/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d WARN {2}memory in use 87\.2%/);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d INFO {2}resolved: uvicorn-reload/);
    expect(lines[3]).toMatch(/^\d\d:\d\d:\d\d NOTICE event: x: killed 1$/);
    expect(lines[4]).toMatch(/^\d\d:\d\d:\d\d WARN {2}3 alert notifications were dropped/);
  });

  it("a stream that fails or never drains fails the send", async () => {
    const broken = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      },
    });
    broken.on("error", () => undefined);
    await expect(
      createSink({ type: "log", name: "journal" }, { env: {}, logStream: broken }).send(
        mixed,
        never,
      ),
    ).rejects.toThrow("journal: write EPIPE");

    const stuck = new Writable({ write: () => undefined });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("delivery timed out")), 50);
    await expect(
      createSink({ type: "log", name: "journal" }, { env: {}, logStream: stuck }).send(
        mixed,
        controller.signal,
      ),
    ).rejects.toThrow("journal: delivery timed out");
  });
});

// ---------------------------------------------------------------------------------------------
// webhook

interface Hit {
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

describe("webhook sink", () => {
  const hits: Hit[] = [];
  let server: Server;
  let base = "";

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => (body += c));
      req.on("end", () => {
        hits.push({ url: req.url ?? "", headers: req.headers, body });
        if (req.url === "/hang") return; // never answers
        if (req.url === "/fail") {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(`database is down ${"x".repeat(500)}`);
          return;
        }
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("ok");
      });
    });
    base = `http://127.0.0.1:${await listenOn(server)}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // The URL comes from the environment, as a Slack webhook's (its token is in the path).
  const hook = (over: Partial<WebhookSinkConfig> = {}): WebhookSinkConfig => ({
    type: "webhook",
    name: "ops-hook",
    url: { env: "TEST_HOOK_URL" },
    format: "json",
    headers: { Authorization: { env: "TEST_HOOK_AUTH" }, "X-Team": { value: "infra" } },
    timeoutMs: 2000,
    ...over,
  });
  const env = (path: string): NodeJS.ProcessEnv => ({
    TEST_HOOK_URL: `${base}${path}`,
    TEST_HOOK_AUTH: "Bearer t0k3n",
  });

  it("json: the digest, versioned, with the secret headers", async () => {
    const d = digest([notification(), memory], { dropped: 1 });
    await createSink(hook(), { env: env("/json") }).send(d, never);
    const hit = hits.find((h) => h.url === "/json")!;
    expect(hit.headers["content-type"]).toBe("application/json");
    expect(hit.headers.authorization).toBe("Bearer t0k3n");
    expect(hit.headers["x-team"]).toBe("infra");
    expect(JSON.parse(hit.body)).toEqual({ version: 1, ...JSON.parse(JSON.stringify(d)) });
    // Each notification's id: what a receiver drops a re-sent copy by.
    const sent = JSON.parse(hit.body) as { notifications: { id: string }[] };
    expect(sent.notifications.map((n) => n.id)).toEqual(d.notifications.map((n) => n.id));
  });

  it("slack: one text", async () => {
    await createSink(hook({ format: "slack" }), { env: env("/slack") }).send(
      digest([notification()]),
      never,
    );
    const hit = hits.find((h) => h.url === "/slack")!;
    const body = JSON.parse(hit.body) as { text: string };
    expect(Object.keys(body)).toEqual(["text"]);
    expect(body.text).toContain("*cleanup on web-3*: 1 firing");
    expect(body.text).toContain("*FIRING* critical: uvicorn-reload: 2 processes");
    expect(body.text).toContain(">pid 40417");
  });

  it("a 500: rejects with the status and the start of the body", async () => {
    const sink = createSink(hook(), { env: env("/fail") });
    const error = (await sink.send(digest([memory]), never).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(
      /^ops-hook: HTTP 500 Internal Server Error: database is down x+…$/,
    );
    expect(error.message.length).toBeLessThan(260);
  });

  it("a server that never answers: rejects within the timeout", async () => {
    const sink = createSink(hook({ timeoutMs: 500 }), { env: env("/hang") });
    await expect(sink.send(digest([memory]), never)).rejects.toThrow(
      "ops-hook: no answer within 500ms",
    );
    // The message names what ended it; the server never answers, so no bound is needed beyond
    // the hang guard (the test's timeout), and none that a busy machine could break.
  });

  it("secrets: a missing header secret names it; a bad URL is not echoed", async () => {
    const before = hits.length;
    await expect(
      createSink(hook(), { env: { TEST_HOOK_URL: `${base}/json` } }).send(digest([memory]), never),
    ).rejects.toThrow("ops-hook: environment variable TEST_HOOK_AUTH is not set");
    const error = (await createSink(hook(), {
      env: { TEST_HOOK_URL: "hooks.example/T0/secret-token", TEST_HOOK_AUTH: "x" },
    })
      .send(digest([memory]), never)
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toBe("ops-hook: the webhook URL is not an http(s) URL");
    expect(hits).toHaveLength(before);
  });

  it("nothing listening: the socket error in the health probes' words", async () => {
    const port = await closedPort();
    const sink = createSink(hook(), {
      env: { TEST_HOOK_URL: `http://127.0.0.1:${port}/`, TEST_HOOK_AUTH: "x" },
    });
    await expect(sink.send(digest([memory]), never)).rejects.toThrow(
      `ops-hook: connection refused (127.0.0.1:${port})`,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// A real Prometheus Alertmanager

describe("alertmanager sink against a real Alertmanager", () => {
  const am = new Alertmanager();
  let base = "";

  beforeAll(async () => {
    await am.start();
    base = am.base;
  });

  afterAll(() => am.stop());

  const sinkConfig = (url = base): AlertmanagerSinkConfig => ({
    type: "alertmanager",
    name: "am",
    url,
    timeoutMs: 2000,
    ttlMs: 2 * 3600_000,
  });

  const alerts = (query = ""): Promise<ApiAlert[]> => am.alerts(query);
  const ours = (list: ApiAlert[], alertname: string): ApiAlert[] =>
    list.filter((a) => a.labels.alertname === alertname && a.labels.host === "web-3");

  async function resolvedReceived(): Promise<number> {
    const text = await (await fetch(`${base}/metrics`)).text();
    const match =
      /^alertmanager_alerts_received_total\{status="resolved",version="v2"\} (\d+)$/m.exec(text);
    return Number(match?.[1] ?? NaN);
  }

  it("a firing alert is active with our labels; a resolved one is no longer listed", async () => {
    // A trailing slash on the configured URL is fine.
    const sink = createSink(sinkConfig(`${base}/`), { env: {} });
    const firing = notification();
    const sentAt = Date.now();
    await sink.send(digest([firing]), never);

    const [active, ...more] = ours(await alerts(), "CleanupRule");
    expect(more).toEqual([]);
    expect(active!.status.state).toBe("active");
    expect(active!.labels).toEqual({
      alertname: "CleanupRule",
      rule: "uvicorn-reload",
      host: "web-3",
      instance: "web-3",
      severity: "critical",
    });
    expect(active!.annotations.summary).toBe(firing.summary);
    // Where Prometheus users look for the machine: a matcher on instance finds it.
    const byInstance = await alerts(`?filter=${encodeURIComponent('instance="web-3"')}`);
    expect(ours(byInstance, "CleanupRule")).toHaveLength(1);
    const otherHost = await alerts(`?filter=${encodeURIComponent('instance="web-4"')}`);
    expect(ours(otherHost, "CleanupRule")).toEqual([]);
    expect(active!.annotations.description).toContain("pid 40418");
    expect(Date.parse(active!.startsAt)).toBe(Date.parse(firing.startsAt));
    const ttlLeft = Date.parse(active!.endsAt) - sentAt;
    expect(ttlLeft).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(ttlLeft).toBeLessThanOrEqual(2 * 3600_000 + 60_000);

    // The condition cleared a second ago: the same key, resolved, ends in the past.
    const resolvedBefore = await resolvedReceived();
    const resolved = notification({
      status: "resolved",
      endsAt: new Date(Date.now() - 1000).toISOString(),
    });
    await sink.send(digest([resolved], { open: [] }), never);

    // Alertmanager's v2 API leaves resolved alerts out of every listing (the filters only
    // choose among unresolved ones); its counter shows the resolution arrived.
    expect(ours(await alerts(), "CleanupRule")).toEqual([]);
    expect(ours(await alerts("?active=true"), "CleanupRule")).toEqual([]);
    expect(ours(await alerts("?active=false"), "CleanupRule")).toEqual([]);
    expect(await resolvedReceived()).toBe(resolvedBefore + 1);
  });

  it("open conditions are re-posted and an occurrence lasts a minute", async () => {
    const sink = createSink(sinkConfig(), { env: {} });
    const killed = notification({
      key: "killed:mp-orphans",
      status: "event",
      severity: "info",
      summary: "mp-orphans: killed 3 processes",
      labels: { alertname: "CleanupKilled", rule: "mp-orphans" },
      startsAt: new Date().toISOString(),
    });
    const sentAt = Date.now();
    await sink.send(digest([killed], { open: [memory] }), never);

    const [event] = ours(await alerts(), "CleanupKilled");
    expect(event?.status.state).toBe("active");
    expect(Date.parse(event!.endsAt) - sentAt).toBeGreaterThan(50_000);
    expect(Date.parse(event!.endsAt) - sentAt).toBeLessThanOrEqual(61_000);
    const [open] = ours(await alerts(), "CleanupThreshold");
    expect(open?.labels).toMatchObject({ resource: "memory", severity: "warning" });
  });

  it("a refusal (404 under a wrong base URL): rejects with the status and body", async () => {
    const sink = createSink(sinkConfig(`${base}/wrong`), { env: {} });
    await expect(sink.send(digest([memory]), never)).rejects.toThrow(
      "am: HTTP 404 Not Found: 404 page not found",
    );
  });
});
