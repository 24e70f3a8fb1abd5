// httpRequest against real servers on 127.0.0.1 (ports the OS chose): answers, body limits,
// deadlines, the caller's abort and socket errors, each in the words an operator reads. Every
// timeout is the test's own; the bounds on elapsed time are generous, since the host is busy.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest } from "../../../src/net/http.js";

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

interface Hit {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

describe("httpRequest", () => {
  const hits: Hit[] = [];
  const sockets = new Set<Socket>();
  let server: Server;
  let base = "";

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => (body += c));
      req.on("end", () => {
        hits.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
        switch (req.url) {
          case "/hang":
            return; // never answers
          case "/half":
            // Headers and the start of a body, then nothing.
            res.writeHead(200, { "content-type": "text/plain" });
            res.write("partial");
            return;
          case "/big":
            res.writeHead(200, { "content-type": "text/plain" });
            res.end("x".repeat(10_000));
            return;
          case "/redirect":
            res.writeHead(302, { location: "/elsewhere" });
            res.end();
            return;
          case "/cut":
            res.writeHead(200, { "content-type": "text/plain", "content-length": "1000" });
            res.write("only part", () => res.socket?.destroy());
            return;
          default:
            res.writeHead(201, "Made It", { "content-type": "text/plain" });
            res.end("created");
        }
      });
    });
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const url = (path: string) => new URL(`${base}${path}`);

  it("an answer: status, status text and body; a POST carries its body and headers", async () => {
    const result = await httpRequest({
      url: url("/post"),
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer t" },
      body: '{"é":1}',
      timeoutMs: 5_000,
      bodyLimit: 1024,
    });
    expect(result).toMatchObject({ ok: true, httpStatus: 201, statusText: "Made It" });
    expect(result.ok && result.body.toString()).toBe("created");
    expect(result.ok && result.truncated).toBe(false);
    const hit = hits.find((h) => h.url === "/post")!;
    expect(hit).toMatchObject({ method: "POST", body: '{"é":1}' });
    expect(hit.headers["content-length"]).toBe(String(Buffer.byteLength('{"é":1}')));
    expect(hit.headers.authorization).toBe("Bearer t");
  });

  it("a body over the limit is cut there and said to be", async () => {
    const result = await httpRequest({
      url: url("/big"),
      method: "GET",
      timeoutMs: 5_000,
      bodyLimit: 1000,
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.body.length).toBe(1000);
    expect(result.truncated).toBe(true);
  });

  it("a limit of 0 for the status settles at the status line, without waiting for a body", async () => {
    const started = performance.now();
    const result = await httpRequest({
      url: url("/half"),
      method: "GET",
      timeoutMs: 10_000,
      bodyLimit: (status) => (status === 200 ? 0 : 100),
    });
    expect(result).toMatchObject({ ok: true, httpStatus: 200, truncated: true });
    expect(result.ok && result.body.length).toBe(0);
    expect(performance.now() - started).toBeLessThan(9_000);
  });

  it("redirects are answers, not followed", async () => {
    const result = await httpRequest({
      url: url("/redirect"),
      method: "POST",
      body: "{}",
      timeoutMs: 5_000,
      bodyLimit: 100,
    });
    expect(result).toMatchObject({ ok: true, httpStatus: 302 });
    expect(hits.some((h) => h.url === "/elsewhere")).toBe(false);
  });

  it("no answer: the deadline, in the operator's words", async () => {
    const started = performance.now();
    const result = await httpRequest({
      url: url("/hang"),
      method: "GET",
      timeoutMs: 300,
      bodyLimit: 100,
    });
    expect(result).toEqual({
      ok: false,
      httpStatus: null,
      reason: "no answer within 300ms",
      durationMs: expect.any(Number) as number,
    });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(5_000);
  });

  it("headers but no complete body within the deadline", async () => {
    const result = await httpRequest({
      url: url("/half"),
      method: "GET",
      timeoutMs: 300,
      bodyLimit: 100,
    });
    expect(result).toMatchObject({
      ok: false,
      httpStatus: 200,
      reason: "HTTP 200 but the body was not complete within 300ms",
    });
  });

  it("a connection cut in the body", async () => {
    const result = await httpRequest({
      url: url("/cut"),
      method: "GET",
      timeoutMs: 5_000,
      bodyLimit: 10_000,
    });
    expect(result).toMatchObject({ ok: false, httpStatus: 200 });
    // Node reports the cut as a reset or a bare close, depending on when it sees it.
    expect(!result.ok && result.reason).toMatch(
      /^connection (reset while reading the body|closed before the body was complete)$/,
    );
  });

  it("the caller's abort ends it at once and says it was the caller's", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("run is over")), 100);
    const started = performance.now();
    const result = await httpRequest({
      url: url("/hang"),
      method: "GET",
      timeoutMs: 30_000,
      bodyLimit: 100,
      signal: controller.signal,
    });
    expect(result).toMatchObject({ ok: false, reason: "aborted: run is over" });
    expect(performance.now() - started).toBeLessThan(20_000);

    const before = hits.length;
    const already = await httpRequest({
      url: url("/post"),
      method: "GET",
      timeoutMs: 5_000,
      bodyLimit: 100,
      signal: AbortSignal.abort(new Error("stopped")),
    });
    expect(already).toMatchObject({ ok: false, reason: "aborted: stopped" });
    expect(hits).toHaveLength(before);
  });
});

describe("httpRequest: socket errors", () => {
  it("nothing listening: connection refused, with the address", async () => {
    const probe = createNetServer();
    const port = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await httpRequest({
      url: new URL(`http://127.0.0.1:${port}/`),
      method: "GET",
      timeoutMs: 5_000,
      bodyLimit: 100,
    });
    expect(result).toMatchObject({
      ok: false,
      httpStatus: null,
      reason: `connection refused (127.0.0.1:${port})`,
    });
  });

  it("a server that does not speak HTTP: not a valid HTTP response", async () => {
    const sockets = new Set<Socket>();
    const garbage = createNetServer((socket) => {
      sockets.add(socket);
      socket.end("SSH-2.0-OpenSSH_9.6\r\n\r\n");
    });
    const port = await listen(garbage);
    try {
      const result = await httpRequest({
        url: new URL(`http://127.0.0.1:${port}/`),
        method: "GET",
        timeoutMs: 5_000,
        bodyLimit: 100,
      });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(
        new RegExp(`^not a valid HTTP response \\(127\\.0\\.0\\.1:${port}\\): `),
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => garbage.close(() => resolve()));
    }
  });

  it("a header value a secret made invalid: named by header, the value not echoed", async () => {
    const result = await httpRequest({
      url: new URL("http://127.0.0.1:9/"),
      method: "POST",
      headers: { Authorization: "Bearer s3cr3t\nInjected: 1" },
      body: "{}",
      timeoutMs: 5_000,
      bodyLimit: 100,
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain("Authorization");
    expect(!result.ok && result.reason).not.toContain("s3cr3t");
  });
});
