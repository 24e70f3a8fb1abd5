// The network's words: one vocabulary for the health probes, the HTTP sinks and the e-mail sink.
import { describe, expect, it } from "vitest";
import {
  abortedReason,
  describeTimeout,
  errorMessage,
  networkReason,
  noAnswerWithin,
  socketReason,
} from "../../../src/net/errors.js";

const at = { host: "db.example", port: 8080 };
const errno = (code: string, message = `${code.toLowerCase()} happened`) =>
  Object.assign(new Error(message), { code });

describe("describeTimeout", () => {
  it.each([
    [300, "300ms"],
    [1_500, "1.5s"],
    [2_000, "2s"],
    [90_000, "1m30s"],
    [3_600_000, "1h"],
    [5_400_000, "1h30m"],
    [0, "0s"],
  ])("%i ms: %s", (ms, words) => {
    expect(describeTimeout(ms)).toBe(words);
  });

  it("no answer within, as the operator wrote the timeout", () => {
    expect(noAnswerWithin(10_000)).toBe("no answer within 10s");
  });
});

describe("socketReason", () => {
  it.each([
    ["ECONNREFUSED", "connection refused (db.example:8080)"],
    ["ENOTFOUND", "host not found (db.example)"],
    ["EAI_AGAIN", "DNS lookup failed, try again later (db.example)"],
    ["ECONNRESET", "connection reset (db.example:8080)"],
    ["EHOSTUNREACH", "host unreachable (db.example:8080)"],
    ["ENETUNREACH", "network unreachable (db.example:8080)"],
    ["ETIMEDOUT", "connection timed out (db.example:8080)"],
  ])("%s: %s", (code, words) => {
    expect(socketReason(errno(code), at)).toBe(words);
  });

  it("certificates, TLS and HTTP parsing keep the library's detail after the operator's words", () => {
    expect(socketReason(errno("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"), at)).toBe(
      "certificate: self-signed certificate",
    );
    expect(socketReason(errno("EPROTO", "wrong version"), at)).toBe(
      "TLS handshake failed (db.example:8080): wrong version",
    );
    expect(socketReason(errno("ERR_SSL_DECRYPTION_FAILED", "bad record"), at)).toBe(
      "TLS: bad record",
    );
    expect(socketReason(errno("HPE_INVALID_CONSTANT", "Parse Error"), at)).toBe(
      "not a valid HTTP response (db.example:8080): Parse Error",
    );
  });

  it("a reset once the answer began cut the body", () => {
    expect(socketReason(errno("ECONNRESET"), at, true)).toBe(
      "connection reset while reading the body",
    );
  });

  it("nodemailer's wrapped socket error is read by the errno it kept", () => {
    const wrapped = Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:25"), {
      code: "ESOCKET",
      originalCode: "ECONNREFUSED",
    });
    expect(socketReason(wrapped, { host: "10.0.0.1", port: 25 })).toBe(
      "connection refused (10.0.0.1:25)",
    );
  });

  it("anything else is not a socket error: undefined, and networkReason keeps its message", () => {
    expect(socketReason(new Error("Invalid login: 535 bad password"), at)).toBeUndefined();
    expect(networkReason(new Error("plain"), at)).toBe("plain");
    expect(networkReason(errno("ERR_INVALID_CHAR", 'Invalid character in header ["X"]'), at)).toBe(
      'ERR_INVALID_CHAR: Invalid character in header ["X"]',
    );
    expect(networkReason(errno("EPIPE", "write EPIPE"), at)).toBe("write EPIPE");
  });
});

describe("aborts", () => {
  it("the caller's reason, said to be the caller's", () => {
    expect(abortedReason(AbortSignal.abort(new Error("run is over")))).toBe("aborted: run is over");
    expect(abortedReason(AbortSignal.abort("deadline"))).toBe("aborted: deadline");
    expect(errorMessage(42)).toBe("42");
  });
});
