// The health probe against real local servers (127.0.0.1, port 0): HTTP, a silent TCP listener,
// a closed port and HTTPS with a self-signed certificate. Every server is closed in afterAll.
import { once } from "node:events";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HealthCheck } from "../../src/config/types.js";
import { BODY_LIMIT } from "../../src/services/health-judge.js";
import { probeAll, probeHealth } from "../../src/services/health.js";
import { hasOpenssl, selfSignedCertificate } from "../helpers/tls-cert.js";

const HEALTHY = { status: "healthy", cpu_percent: 3.5, memory_mb: 120, uptime_s: 4470 };

function check(url: string, overrides: Partial<HealthCheck> = {}): HealthCheck {
  return {
    url,
    timeoutMs: 2000,
    expectStatus: null,
    expectJson: [{ path: "status", equals: "healthy" }],
    show: [],
    tlsVerify: true,
    ...overrides,
  };
}

const show = [
  { label: "cpu", path: "cpu_percent" },
  { label: "memory", path: "memory_mb" },
  { label: "uptime", path: "uptime_s" },
];

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** Every request it saw, for the header assertions. */
const seen: http.IncomingHttpHeaders[] = [];

const app: http.RequestListener = (req, res) => {
  seen.push(req.headers);
  switch (req.url) {
    case "/healthy":
      return json(res, 200, HEALTHY);
    case "/unhealthy":
      return json(res, 200, { status: "unhealthy", reason: "heartbeat_timeout_447s" });
    case "/error":
      return json(res, 500, { error: "database is down" });
    case "/redirect":
      return void res.writeHead(302, { location: "/healthy" }).end();
    case "/metrics":
      return json(res, 200, { cpu_percent: 71.2, memory_mb: 2048 });
    case "/metrics-broken":
      return json(res, 500, { cpu_percent: 1 });
    case "/big": {
      // Valid JSON, but 200 KiB: the probe reads 64 KiB of it.
      return json(res, 200, { padding: "x".repeat(200 * 1024), status: "healthy" });
    }
    case "/endless": {
      // Writes until the client goes away: only the cap ends the probe before its deadline.
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(16 * 1024, "y");
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
      return;
    }
    case "/stall-body":
      // Headers, then nothing: the deadline covers the body too.
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":');
      return;
    case "/drop":
      // Headers and half a body, then the connection goes.
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":', () => res.socket?.destroy());
      return;
    default:
      return json(res, 404, { error: "no such route" });
  }
};

let server: http.Server;
let base: string;
/** Accepts connections and never says a word. */
let silent: net.Server;
const silentSockets = new Set<net.Socket>();
let silentUrl: string;
let closedUrl: string;

async function listen(s: net.Server): Promise<number> {
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  return (s.address() as net.AddressInfo).port;
}

function close(s: net.Server | undefined): Promise<void> {
  if (!s?.listening) return Promise.resolve();
  return new Promise((resolve) => {
    s.close(() => resolve());
    if (s instanceof http.Server) s.closeAllConnections();
  });
}

beforeAll(async () => {
  server = http.createServer(app);
  base = `http://127.0.0.1:${await listen(server)}`;

  silent = net.createServer((socket) => {
    silentSockets.add(socket);
    socket.on("close", () => silentSockets.delete(socket));
    socket.on("error", () => undefined);
  });
  silentUrl = `http://127.0.0.1:${await listen(silent)}/health`;

  // A port that was just ours and is free now: nothing listens there.
  const gone = net.createServer();
  const port = await listen(gone);
  await close(gone);
  closedUrl = `http://127.0.0.1:${port}/health`;
});

afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  await Promise.all([close(server), close(silent)]);
});

describe("probeHealth over HTTP", () => {
  it("healthy JSON: healthy, with the show values", async () => {
    const result = await probeHealth(check(`${base}/healthy`, { show }));
    expect(result).toMatchObject({
      url: `${base}/healthy`,
      status: "healthy",
      httpStatus: 200,
      reason: "HTTP 200",
      body: JSON.stringify(HEALTHY),
      values: [
        { label: "cpu", value: "3.5" },
        { label: "memory", value: "120" },
        { label: "uptime", value: "4470" },
      ],
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("sends Accept: application/json and a User-Agent", async () => {
    seen.length = 0;
    await probeHealth(check(`${base}/healthy`));
    await probeHealth(check(`${base}/healthy`), { userAgent: "cleanup/9.9.9" });
    expect(seen[0]).toMatchObject({ accept: "application/json", "user-agent": "cleanup" });
    expect(seen[1]).toMatchObject({ "user-agent": "cleanup/9.9.9" });
  });

  it("sends a URL's credentials but never shows them in the result", async () => {
    seen.length = 0;
    const withCredentials = base.replace("http://", "http://probe:s3cret-pw@");
    const result = await probeHealth(check(`${withCredentials}/healthy`));
    expect(seen[0]!.authorization).toBe(
      `Basic ${Buffer.from("probe:s3cret-pw").toString("base64")}`,
    );
    expect(result).toMatchObject({ url: `${base}/healthy`, status: "healthy" });
    expect(JSON.stringify(result)).not.toContain("s3cret-pw");
  });

  it("a service that says it is unhealthy: unhealthy, and its own reason is shown", async () => {
    const result = await probeHealth(check(`${base}/unhealthy`));
    expect(result.status).toBe("unhealthy");
    expect(result.httpStatus).toBe(200);
    expect(result.reason).toBe(
      'status is "unhealthy" (expected "healthy"); reason: heartbeat_timeout_447s',
    );
    expect(result.body).toContain("heartbeat_timeout_447s");
  });

  it("HTTP 500: unhealthy", async () => {
    const result = await probeHealth(check(`${base}/error`));
    expect(result).toMatchObject({ status: "unhealthy", httpStatus: 500 });
    expect(result.reason).toMatch(/^HTTP 500 \(expected 2xx\)/);
    expect(result.reason).toContain("database is down");
  });

  it("does not follow a redirect: the 3xx is judged", async () => {
    const result = await probeHealth(check(`${base}/redirect`, { expectJson: [] }));
    expect(result).toMatchObject({
      status: "unhealthy",
      httpStatus: 302,
      reason: "HTTP 302 (expected 2xx)",
    });
    const accepted = await probeHealth(
      check(`${base}/redirect`, { expectJson: [], expectStatus: [302] }),
    );
    expect(accepted.status).toBe("healthy");
  });

  it("no answer: unreachable within the timeout", async () => {
    const started = performance.now();
    const result = await probeHealth(check(silentUrl, { timeoutMs: 300, show }));
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({
      status: "unreachable",
      httpStatus: null,
      reason: "no answer within 300ms",
      body: null,
      values: show.map(({ label }) => ({ label, value: null })),
    });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(300 + 1000);
  });

  it("headers but no complete body: unreachable within the timeout", async () => {
    const started = performance.now();
    const result = await probeHealth(check(`${base}/stall-body`, { timeoutMs: 300 }));
    expect(performance.now() - started).toBeLessThan(300 + 1000);
    expect(result).toMatchObject({
      status: "unreachable",
      httpStatus: 200,
      reason: "HTTP 200 but the body was not complete within 300ms",
    });
  });

  it("a connection dropped mid-body: unreachable", async () => {
    const result = await probeHealth(check(`${base}/drop`));
    expect(result).toMatchObject({
      status: "unreachable",
      httpStatus: 200,
      reason: "connection reset while reading the body",
    });
  });

  it("connection refused: unreachable", async () => {
    const result = await probeHealth(check(closedUrl));
    expect(result.status).toBe("unreachable");
    expect(result.reason).toBe(`connection refused (${new URL(closedUrl).host})`);
  });

  it("an unknown host and a bad URL: unreachable, not thrown", async () => {
    const unknown = await probeHealth(check("http://no-such-host.invalid/health"));
    expect(unknown.status).toBe("unreachable");
    expect(unknown.reason).toMatch(/no-such-host\.invalid/);
    const bad = await probeHealth(check("not a url"));
    expect(bad).toMatchObject({ status: "unreachable", reason: "invalid URL not a url" });
  });

  it("a body over 64 KiB: judged on the first 64 KiB, and the reason says so", async () => {
    const result = await probeHealth(check(`${base}/big`));
    expect(result).toMatchObject({
      status: "unhealthy",
      httpStatus: 200,
      reason: 'body is cut at 64 KiB and is not JSON (expected status = "healthy")',
    });
    expect(result.body).toHaveLength(500);
    // Without expect_json only the status counts.
    const statusOnly = await probeHealth(check(`${base}/big`, { expectJson: [] }));
    expect(statusOnly).toMatchObject({ status: "healthy", reason: "HTTP 200" });
  });

  it("an endless body: reading stops at the cap, long before the deadline", async () => {
    const started = performance.now();
    // The deadline is far above any delay a busy machine adds: ending before it is the cap's doing.
    const result = await probeHealth(check(`${base}/endless`, { timeoutMs: 120_000 }));
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(result.reason).toMatch(/^body is cut at 64 KiB/);
    expect(BODY_LIMIT).toBe(64 * 1024);
  });

  it("metrics_url: the values come from it, the verdict from the health URL", async () => {
    const result = await probeHealth(
      check(`${base}/unhealthy`, { show, metricsUrl: `${base}/metrics` }),
    );
    expect(result.status).toBe("unhealthy");
    expect(result.values).toEqual([
      { label: "cpu", value: "71.2" },
      { label: "memory", value: "2048" },
      { label: "uptime", value: null },
    ]);
  });

  it("a failing metrics_url leaves the values null and the verdict alone", async () => {
    for (const metricsUrl of [`${base}/metrics-broken`, closedUrl]) {
      const result = await probeHealth(check(`${base}/healthy`, { show, metricsUrl }));
      expect(result.status).toBe("healthy");
      expect(result.values.every((v) => v.value === null)).toBe(true);
    }
  });

  it("probeAll runs the checks concurrently", async () => {
    // One after the other, three silent probes take at least 3 × 5 s; together, 5 s and what
    // the machine adds — a margin of 10 s that no load here has come near.
    const started = performance.now();
    const results = await probeAll([
      { name: "a", check: check(silentUrl, { timeoutMs: 5000 }) },
      { name: "b", check: check(silentUrl, { timeoutMs: 5000 }) },
      { name: "c", check: check(silentUrl, { timeoutMs: 5000 }) },
      { name: "ok", check: check(`${base}/healthy`) },
    ]);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect([...results.keys()]).toEqual(["a", "b", "c", "ok"]);
    expect(results.get("a")?.status).toBe("unreachable");
    expect(results.get("ok")?.status).toBe("healthy");
  });
});

if (!hasOpenssl) console.warn("skipping the HTTPS health tests: no openssl to make a certificate");

describe.skipIf(!hasOpenssl)("probeHealth over HTTPS, self-signed certificate", () => {
  let tls: https.Server | undefined;
  let url: string;

  beforeAll(async () => {
    tls = https.createServer(selfSignedCertificate(), (_req, res) => json(res, 200, HEALTHY));
    url = `https://127.0.0.1:${await listen(tls)}/healthy`;
  });
  afterAll(async () => {
    if (tls?.listening) {
      tls.closeAllConnections();
      await new Promise<void>((resolve) => tls!.close(() => resolve()));
    }
  });

  it("tls_verify true: unreachable, with a certificate reason", async () => {
    const result = await probeHealth(check(url, { tlsVerify: true }));
    expect(result.status).toBe("unreachable");
    expect(result.reason).toMatch(/^certificate: self[- ]signed certificate/);
  });

  it("tls_verify false: healthy", async () => {
    const result = await probeHealth(check(url, { tlsVerify: false, show }));
    expect(result).toMatchObject({ status: "healthy", httpStatus: 200, reason: "HTTP 200" });
    expect(result.values[0]).toEqual({ label: "cpu", value: "3.5" });
  });
});
