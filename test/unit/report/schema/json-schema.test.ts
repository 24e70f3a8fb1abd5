import Ajv from "ajv";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../../src/config/errors.js";
import { renderErrorJson } from "../../../../src/report/error-report.js";
import { renderJsonChunks } from "../../../../src/report/json.js";
import { explainDocument } from "../../../../src/report/schema/explain.js";
import { reportJsonSchema } from "../../../../src/report/schema/json-schema.js";
import { explainJson } from "../../../helpers/explain-report.js";
import { liveReport } from "../../../helpers/run-report.js";

const committed = readFileSync(new URL("../../../../report.schema.json", import.meta.url), "utf8");
const validate = new Ajv({ allErrors: true }).compile(JSON.parse(committed) as object);

type Node = Record<string, unknown>;

/** Every schema object in the tree, with its JSON pointer. */
function* nodes(node: unknown, at = "#"): Generator<[string, Node]> {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) yield* nodes(child, `${at}/${i}`);
    return;
  }
  yield [at, node as Node];
  for (const [key, child] of Object.entries(node)) yield* nodes(child, `${at}/${key}`);
}

const schemaNodes = () =>
  [...nodes(JSON.parse(committed))].filter(
    ([at]) => !/\/(properties|definitions)$/.test(at) && !at.endsWith("/required"),
  );

describe("report.schema.json", () => {
  it("is the schema generated from src/report/schema/", () => {
    expect(committed, "report.schema.json is stale: run `npm run schema`").toBe(reportJsonSchema());
  });

  it("describes the four documents, each told apart by its format", () => {
    const schema = JSON.parse(committed) as {
      $schema: string;
      title: string;
      anyOf: { $ref: string }[];
      definitions: Record<string, { properties: { format: { const: string } } }>;
    };
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.title).toBe("cleanup --json output");
    expect(schema.anyOf.map((s) => s.$ref)).toEqual([
      "#/definitions/RunReport",
      "#/definitions/PortReport",
      "#/definitions/ExplainReport",
      "#/definitions/ErrorReport",
    ]);
    const formats = ["RunReport", "PortReport", "ExplainReport", "ErrorReport"].map(
      (name) => schema.definitions[name]!.properties.format.const,
    );
    expect(formats).toEqual([
      "cleanup.run/1",
      "cleanup.port/1",
      "cleanup.explain/1",
      "cleanup.error/1",
    ]);
  });

  it("is closed: every object lists its properties or types its values, nothing is `{}`", () => {
    const all = schemaNodes();
    expect(all.filter(([, node]) => node.type === "object").length).toBeGreaterThan(40);
    for (const [at, node] of all) {
      expect(Object.keys(node).length, `${at} accepts anything`).toBeGreaterThan(0);
      if (node.type !== "object") continue;
      if ("properties" in node) expect(node.additionalProperties, at).toBe(false);
      else expect(node.additionalProperties, at).toMatchObject({ type: expect.any(String) });
    }
  });

  it("accepts a whole run report as --json prints it", () => {
    const doc = JSON.parse([...renderJsonChunks(liveReport(), 1)].join("")) as Node;
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each<[string, (doc: Node) => void]>([
    ["another format version", (d) => (d.format = "cleanup.run/2")],
    ["no format", (d) => delete d.format],
    ["a field it does not know", (d) => (d.surprise = 1)],
    ["a field it does not know, deep down", (d) => ((d.plan as Node).extra = [])],
    ["a required field missing", (d) => delete d.results],
    ["an outcome it does not know", (d) => (d.outcome = "maybe")],
    ["a wrong type", (d) => (d.exitCode = "1")],
    ["a fractional duration", (d) => (d.durationMs = 1.5)],
  ])("rejects a run report with %s", (_, change) => {
    const doc = JSON.parse([...renderJsonChunks(liveReport(), 1)].join("")) as Node;
    change(doc);
    expect(validate(doc)).toBe(false);
  });

  it("accepts an explain document as --json prints it", () => {
    const doc = JSON.parse(explainJson()) as {
      processes: (Node & { rules?: Node[]; services?: Node[]; listening?: Node[] })[];
    };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(explainDocument.safeParse(doc).error).toBeUndefined();
    // It holds what the schema has to describe: a pid not found, a rule acting on a tree, a
    // spared one, an inactive one, a protected process, sockets and a service with a PID file.
    const found = doc.processes.filter((p) => p.found);
    expect(doc.processes.find((p) => !p.found)).toEqual({ pid: 4242, found: false });
    const rules = found.flatMap((p) => p.rules!);
    expect(rules).toContainEqual(expect.objectContaining({ outcome: "acts", treeOf: 100 }));
    expect(rules).toContainEqual(
      expect.objectContaining({ outcome: "spared", code: "parent-alive" }),
    );
    expect(rules).toContainEqual(expect.objectContaining({ outcome: "inactive" }));
    expect(found).toContainEqual(
      expect.objectContaining({
        protection: expect.objectContaining({ reason: "listed in protect[0]" }),
      }),
    );
    expect(found.flatMap((p) => p.listening ?? [])).toHaveLength(2);
    expect(found.flatMap((p) => p.services!)).toEqual([
      { service: "web", role: "instance", instance: 60, pidFiles: ["/run/web.pid"] },
    ]);
  });

  it.each<[string, (doc: Node & { processes: Node[] }) => void]>([
    ["another format version", (d) => (d.format = "cleanup.explain/2")],
    [
      "a field it does not know, in a rule's verdict",
      (d) => {
        (d.processes[0]!.rules as Node[])[0]!.surprise = true;
      },
    ],
    ["a pid not found that carries a verdict", (d) => (d.processes[5]!.rules = [])],
    ["a found process without its services", (d) => delete d.processes[0]!.services],
    ["a resource it does not know in levels", (d) => (d.levels = { gpu: "ok" })],
    [
      "a rule outcome it does not know",
      (d) => {
        (d.processes[0]!.rules as Node[])[0]!.outcome = "maybe";
      },
    ],
  ])("rejects an explain document with %s", (_, change) => {
    const doc = JSON.parse(explainJson()) as Node & { processes: Node[] };
    change(doc);
    expect(validate(doc)).toBe(false);
    expect(explainDocument.safeParse(doc).success).toBe(false);
  });

  it("accepts the error documents main prints", () => {
    const problem = { file: "/etc/x.yaml", line: 3, col: 5, path: "rules[0]", problem: "bad" };
    const errors = [
      new ConfigError("/etc/x.yaml", [problem, { ...problem, got: "-5s", expected: "a duration" }]),
      new Error("boom"),
      new TypeError("bad"),
      "a string",
    ];
    for (const error of errors) {
      const doc = JSON.parse(renderErrorJson(error, 70)) as Node;
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});
