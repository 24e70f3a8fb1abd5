// The two halves of the selector registry agree, keep the order the matcher and messages had,
// and the README's selector table documents exactly the registry's selectors.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { rulesJsonSchema } from "../../../../src/config/json-schema.js";
import { SELECTOR_KEYS, SELECTOR_SPECS } from "../../../../src/config/selectors/registry.js";
import {
  FIELD_KEYS,
  FIELDS,
  MATCHERS,
  PROTECT_UNKNOWN_FIELDS,
  passesBeforeDetail,
  protectUnknown,
  scanNeedsOf,
} from "../../../../src/rules/selectors/registry.js";
import { proc } from "../../../helpers/fixtures.js";
import { lookupIn, selector } from "./harness.js";

const README = fileURLToPath(new URL("../../../../README.md", import.meta.url));

/** The backticked names in the first column of README's `| selector | matches |` table. */
function documentedSelectors(): string[] {
  const text = readFileSync(README, "utf8");
  const section = text.slice(text.indexOf("\n### rules\n"));
  const lines = section.split("\n");
  const head = lines.findIndex((l) => /^\|\s*selector\s*\|\s*matches\s*\|$/.test(l));
  expect(head).toBeGreaterThan(0);
  const rows: string[] = [];
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith("|")) break;
    const name = /^\|\s*`([^`]+)`\s*\|/.exec(line)?.[1];
    expect(name, `a selector row without a backticked name: ${line}`).toBeDefined();
    rows.push(name as string);
  }
  return rows;
}

describe("selector registry", () => {
  it("has a rules half for every config half, and no other", () => {
    expect([...FIELDS].sort()).toEqual(SELECTOR_SPECS.map((s) => s.field).sort());
    expect(new Set(FIELDS).size).toBe(FIELDS.length);
  });

  it("keeps the rules file's order for keys and the matcher's cheapest-first order for fields", () => {
    expect(SELECTOR_KEYS).toEqual([
      "cmdline",
      "comm",
      "exe",
      "user",
      "parent",
      "listening_port",
      "cgroup",
      "unit",
      "holds",
    ]);
    expect(FIELDS).toEqual([
      "comm",
      "user",
      "cmdline",
      "exe",
      "parent",
      "listeningPort",
      "cgroup",
      "unit",
      "holds",
    ]);
  });

  it("spells every field as the rules file does", () => {
    for (const spec of SELECTOR_SPECS) expect(FIELD_KEYS[spec.field]).toBe(spec.key);
  });

  it("orders protect's unknown facts over exactly the selectors that have one", () => {
    const withUnknown = MATCHERS.filter((m) => m.protectUnknown).map((m) => m.field);
    expect([...PROTECT_UNKNOWN_FIELDS].sort()).toEqual([...withUnknown].sort());
  });

  it("names the first unknown fact in protect's order", () => {
    const sel = selector("{ user: root, listening_port: 9091, exe: x, parent: y }");
    const p = proc({ pid: 100, ppid: 50, exe: null, user: "1234", uid: 1234 });
    expect(protectUnknown(sel, p, lookupIn([p]))).toBe("exe unreadable");
    const known = proc({ pid: 100, ppid: 50, exe: "/x", user: "1234", uid: 1234, listening: [] });
    expect(protectUnknown(sel, known, lookupIn([known]))).toBe("parent unknown");
  });

  it.each([
    ["comm: bash", []],
    ["cmdline: x", []],
    ["user: root", ["wantStatus"]],
    ["exe: x", ["wantExe"]],
    ["parent: x", ["wantParentDetail"]],
    ["listening_port: 80", ["wantListeners"]],
    ["holds: ^/dev/nvidia", ["openFilesFilter"]],
    ["{ exe: x, parent: y, listening_port: 80 }", ["wantExe", "wantParentDetail", "wantListeners"]],
  ])("a selector %s needs the scan to read %j", (yaml, needs) => {
    expect([...scanNeedsOf([selector(yaml)])].sort()).toEqual([...needs].sort());
  });

  it.each([
    ["comm: [bash, sh]", "sh", true],
    ["comm: [bash, sh]", "python3", false],
    // Nothing but comm can be told from stat: a pattern leaves the process to detail.
    ["cmdline: never", "python3", true],
    ["{ comm: bash, cmdline: x }", "python3", false],
  ])("before detail, %s can match a process named %s: %s", (yaml, comm, can) => {
    expect(passesBeforeDetail(selector(yaml), proc({ pid: 100, comm, argv: null }))).toBe(can);
  });

  it("is the schema's list of selectors (rules.schema.json)", () => {
    const schema = JSON.parse(rulesJsonSchema()) as {
      properties: { protect: { items: { properties: Record<string, unknown> } } };
    };
    expect(Object.keys(schema.properties.protect.items.properties)).toEqual(SELECTOR_KEYS);
  });

  it("is documented in README's selector table: every selector, and nothing else", () => {
    expect(documentedSelectors()).toEqual(SELECTOR_KEYS);
  });
});
