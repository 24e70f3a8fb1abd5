import { describe, expect, it } from "vitest";
import { displayCommand, printable } from "../../src/report/printable.js";

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
