import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { rulesJsonSchema } from "../../../src/config/json-schema.js";

const root = new URL("../../../", import.meta.url);
const read = (name: string) => readFileSync(new URL(name, root), "utf8");

describe("rules.schema.json", () => {
  it("is the schema generated from src/config/schema.ts", () => {
    expect(read("rules.schema.json"), "rules.schema.json is stale: run `npm run schema`").toBe(
      rulesJsonSchema(),
    );
  });

  it("is a JSON Schema describing the rules file", () => {
    const schema = JSON.parse(rulesJsonSchema()) as {
      $schema: string;
      title: string;
      type: string;
      required: string[];
      properties: Record<string, unknown>;
    };
    expect(schema.$schema).toMatch(/json-schema\.org/);
    expect(schema.title).toBe("cleanup rules.yaml");
    expect(schema.type).toBe("object");
    expect(schema.required).toBeUndefined();
    expect(Object.keys(schema.properties)).toEqual([
      "version",
      "settings",
      "thresholds",
      "alerts",
      "protect",
      "rules",
      "services",
      "files",
    ]);
  });

  it("is referenced by the first line of rules.yaml", () => {
    const firstLine = read("rules.yaml").split("\n")[0];
    expect(firstLine).toBe("# yaml-language-server: $schema=./rules.schema.json");
  });
});
