import { describe, expect, it } from "vitest";
import { jsonChunks } from "../../../src/report/json.js";

describe("jsonChunks", () => {
  it("gives exactly JSON.stringify's text, in chunks", () => {
    const entries = Array.from({ length: 5000 }, (_, i) => ({
      pid: i,
      argv: ["python3", `-c`, `x "quoted" \\ ${i}`],
      gone: undefined,
      user: i % 2 ? null : "app",
    }));
    const value = {
      outcome: "ok",
      skip: undefined,
      plan: { entries, spared: [], refusals: [] },
      n: 1.5,
      t: "ü",
    };
    const chunks = [...jsonChunks(value)];
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.join("")).toBe(JSON.stringify(value));
    expect(JSON.parse(chunks.join(""))).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it("handles empty and scalar values like JSON.stringify", () => {
    for (const value of [[], {}, null, 0, "s", [undefined, 1], { a: [] }]) {
      expect([...jsonChunks(value)].join("")).toBe(JSON.stringify(value));
    }
  });
});
