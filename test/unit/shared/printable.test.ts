import { describe, expect, it } from "vitest";
import { displayCommand, displayUrl, printable } from "../../../src/shared/printable.js";

describe("printable", () => {
  it("escapes what could forge a report line or drive a terminal", () => {
    const forged = "python3 x\nsummary: would kill 0\u001b[2J\u0007";
    expect(printable(forged)).toBe("python3 x\\nsummary: would kill 0\\x1b[2J\\x07");
    expect(printable("plain – ünïcode ok")).toBe("plain – ünïcode ok");
  });

  it("shows [comm] for a process without argv, escaped too", () => {
    expect(displayCommand({ argv: [], comm: "kworker\n" })).toBe("[kworker\\n]");
    expect(displayCommand({ argv: ["a", "b c"], comm: "x" })).toBe("a b c");
  });
});

describe("displayUrl", () => {
  it("drops user:password@ and keeps the rest of the URL", () => {
    expect(displayUrl("http://user:s3cret@127.0.0.1:8080/health?x=1#f")).toBe(
      "http://127.0.0.1:8080/health?x=1#f",
    );
    expect(displayUrl("https://token@example.com/h")).toBe("https://example.com/h");
    // An @ in the password, and one in the path (not credentials) that stays.
    expect(displayUrl("http://u:p@ss@host/a@b")).toBe("http://host/a@b");
  });

  it("leaves a URL without credentials exactly as written", () => {
    expect(displayUrl("http://localhost:9/health")).toBe("http://localhost:9/health");
    expect(displayUrl("http://host/a@b")).toBe("http://host/a@b");
  });

  it("cuts credentials from text that does not parse as a URL", () => {
    expect(displayUrl("http://user:pw@[bad/health")).toBe("http://[bad/health");
  });
});
