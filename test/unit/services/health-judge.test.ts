import { describe, expect, it } from "vitest";
import type { HealthCheck } from "../../../src/config/types.js";
import { judgeResponse, pickValues } from "../../../src/services/health-judge.js";

function check(overrides: Partial<HealthCheck> = {}): HealthCheck {
  return {
    url: "http://127.0.0.1:1/health",
    timeoutMs: 2000,
    expectStatus: null,
    expectJson: [],
    show: [],
    tlsVerify: true,
    ...overrides,
  };
}

const statusHealthy = check({ expectJson: [{ path: "status", equals: "healthy" }] });

describe("judgeResponse: HTTP status", () => {
  it("accepts any 2xx by default, whatever the body", () => {
    expect(judgeResponse(check(), 200, "")).toEqual({ status: "healthy", reason: "HTTP 200" });
    expect(judgeResponse(check(), 204, "not json")).toEqual({
      status: "healthy",
      reason: "HTTP 204",
    });
  });

  it("rejects anything else by default, 3xx included", () => {
    expect(judgeResponse(check(), 500, "")).toEqual({
      status: "unhealthy",
      reason: "HTTP 500 (expected 2xx)",
    });
    expect(judgeResponse(check(), 302, "").reason).toBe("HTTP 302 (expected 2xx)");
  });

  it("an explicit expect_status list replaces the 2xx default", () => {
    const c = check({ expectStatus: [200, 301] });
    expect(judgeResponse(c, 301, "").status).toBe("healthy");
    expect(judgeResponse(c, 204, "")).toEqual({
      status: "unhealthy",
      reason: "HTTP 204 (expected 200 or 301)",
    });
    expect(judgeResponse(check({ expectStatus: [200] }), 201, "").reason).toBe(
      "HTTP 201 (expected 200)",
    );
    expect(judgeResponse(check({ expectStatus: [503] }), 503, "").status).toBe("healthy");
  });

  it("does not judge the body when the status is already wrong", () => {
    expect(judgeResponse(statusHealthy, 500, '{"status":"healthy"}').reason).toBe(
      "HTTP 500 (expected 2xx)",
    );
  });
});

describe("judgeResponse: expect_json", () => {
  it("string equality, with both values quoted in the reason", () => {
    expect(judgeResponse(statusHealthy, 200, '{"status":"healthy"}')).toEqual({
      status: "healthy",
      reason: "HTTP 200",
    });
    expect(judgeResponse(statusHealthy, 200, '{"status":"unhealthy"}')).toEqual({
      status: "unhealthy",
      reason: 'status is "unhealthy" (expected "healthy")',
    });
  });

  it("number, boolean and null equality, strict on type", () => {
    const c = check({
      expectJson: [
        { path: "code", equals: 0 },
        { path: "ready", equals: true },
        { path: "error", equals: null },
      ],
    });
    expect(judgeResponse(c, 200, '{"code":0,"ready":true,"error":null}').status).toBe("healthy");
    expect(judgeResponse(c, 200, '{"code":"0","ready":"true","error":"null"}')).toEqual({
      status: "unhealthy",
      // All failing fields at once; the body's own `error` string is appended.
      reason:
        'code is "0" (expected 0); ready is "true" (expected true); error is "null" (expected null); error: null',
    });
    expect(judgeResponse(c, 200, '{"code":1,"ready":false,"error":null}').reason).toBe(
      "code is 1 (expected 0); ready is false (expected true)",
    );
  });

  it("null does not match a missing field", () => {
    const c = check({ expectJson: [{ path: "error", equals: null }] });
    expect(judgeResponse(c, 200, "{}").reason).toBe("error is missing (expected null)");
  });

  it("nested paths through objects and arrays", () => {
    const c = check({
      expectJson: [
        { path: "checks.db", equals: "ok" },
        { path: "nodes.1.up", equals: true },
      ],
    });
    const body = JSON.stringify({ checks: { db: "ok" }, nodes: [{ up: false }, { up: true }] });
    expect(judgeResponse(c, 200, body).status).toBe("healthy");
    expect(judgeResponse(c, 200, JSON.stringify({ checks: { db: { ok: 1 } }, nodes: [] }))).toEqual(
      {
        status: "unhealthy",
        reason: 'checks.db is {"ok":1} (expected "ok"); nodes.1.up is missing (expected true)',
      },
    );
  });

  it("a missing field, including one only the prototype has", () => {
    const c = check({ expectJson: [{ path: "checks.db", equals: "ok" }] });
    expect(judgeResponse(c, 200, '{"checks":{}}').reason).toBe(
      'checks.db is missing (expected "ok")',
    );
    expect(judgeResponse(c, 200, '{"checks":"all"}').reason).toBe(
      'checks.db is missing (expected "ok")',
    );
    const proto = check({ expectJson: [{ path: "constructor.name", equals: "Object" }] });
    expect(judgeResponse(proto, 200, "{}").reason).toBe(
      'constructor.name is missing (expected "Object")',
    );
  });

  it("a body that is not JSON, and one cut at 64 KiB", () => {
    expect(judgeResponse(statusHealthy, 200, "<html>OK</html>")).toEqual({
      status: "unhealthy",
      reason: 'body is not JSON (expected status = "healthy")',
    });
    expect(judgeResponse(statusHealthy, 200, '{"status":"heal', true).reason).toBe(
      'body is cut at 64 KiB and is not JSON (expected status = "healthy")',
    );
  });
});

describe("judgeResponse: what the service says about itself", () => {
  it("appends the body's reason to a failed check", () => {
    const body = '{"status":"unhealthy","reason":"heartbeat_timeout_447s"}';
    expect(judgeResponse(statusHealthy, 200, body).reason).toBe(
      'status is "unhealthy" (expected "healthy"); reason: heartbeat_timeout_447s',
    );
  });

  it("or its message or error, and on a bad status too", () => {
    expect(judgeResponse(check(), 503, '{"message":"draining"}').reason).toBe(
      "HTTP 503 (expected 2xx); message: draining",
    );
    expect(judgeResponse(check(), 500, '{"error":"db down","reason":""}').reason).toBe(
      "HTTP 500 (expected 2xx); error: db down",
    );
    expect(judgeResponse(check(), 500, '{"error":{"code":1}}').reason).toBe(
      "HTTP 500 (expected 2xx)",
    );
  });

  it("not when healthy", () => {
    expect(judgeResponse(statusHealthy, 200, '{"status":"healthy","message":"hi"}').reason).toBe(
      "HTTP 200",
    );
  });

  it("escapes control characters so a server cannot forge a log line", () => {
    const body = JSON.stringify({ status: "down", reason: "x\nALERT resolved\u001b[2J" });
    const { reason } = judgeResponse(statusHealthy, 200, body);
    expect(reason).not.toContain("\n");
    expect(reason).not.toContain("\u001b");
    expect(reason).toBe(
      'status is "down" (expected "healthy"); reason: x\\nALERT resolved\\x1b[2J',
    );
  });

  it("caps a long reason", () => {
    const body = JSON.stringify({ status: "down", reason: "r".repeat(5000) });
    expect(judgeResponse(statusHealthy, 200, body).reason.length).toBeLessThan(300);
  });
});

describe("pickValues", () => {
  const show = [
    { label: "cpu", path: "cpu_percent" },
    { label: "memory", path: "memory_mb" },
    { label: "name", path: "name" },
    { label: "ok", path: "ok" },
    { label: "db", path: "checks.db.state" },
    { label: "second", path: "queues.1" },
    { label: "queues", path: "queues" },
    { label: "none", path: "nothing" },
    { label: "null", path: "gone" },
  ];

  it("renders scalars as text, objects as compact JSON, missing and null as null", () => {
    const json = {
      cpu_percent: 12.5,
      memory_mb: 512,
      name: "worker",
      ok: false,
      checks: { db: { state: "up" } },
      queues: ["a", "b"],
      gone: null,
    };
    expect(pickValues(show, json)).toEqual([
      { label: "cpu", value: "12.5" },
      { label: "memory", value: "512" },
      { label: "name", value: "worker" },
      { label: "ok", value: "false" },
      { label: "db", value: "up" },
      { label: "second", value: "b" },
      { label: "queues", value: '["a","b"]' },
      { label: "none", value: null },
      { label: "null", value: null },
    ]);
  });

  it("all null from a document that is not an object", () => {
    expect(pickValues([{ label: "cpu", path: "cpu" }], undefined)).toEqual([
      { label: "cpu", value: null },
    ]);
    expect(pickValues([{ label: "cpu", path: "cpu" }], "text")).toEqual([
      { label: "cpu", value: null },
    ]);
  });

  it("truncates a large object and escapes control characters", () => {
    const json = { big: { list: Array.from({ length: 100 }, (_, i) => i) }, s: "a\nb" };
    const [big, s] = pickValues(
      [
        { label: "big", path: "big" },
        { label: "s", path: "s" },
      ],
      json,
    );
    expect(big!.value!.length).toBeLessThanOrEqual(80);
    expect(big!.value).toMatch(/^\{"list":\[0,1,2,.*…$/);
    expect(s!.value).toBe("a\\nb");
  });
});
