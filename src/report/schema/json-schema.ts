// report.schema.json, generated from the zod schemas beside this file, which the typecheck holds
// to the report types (see same-type.ts). Draft 7: the widest-read draft, and the one the test's
// validator (ajv 6) reads. test/unit/report/schema/json-schema.test.ts keeps the committed copy
// in sync; test/integration/json-output.test.ts validates the agent's real output against it.
import { z } from "zod";
import { errorDocument } from "./error.js";
import { explainDocument } from "./explain.js";
import { portDocument } from "./port.js";
import { runDocument } from "./run.js";

/** Every JSON document cleanup prints: one of these, told apart by `format`. */
export const jsonOutput = z.union([runDocument, portDocument, explainDocument, errorDocument]);

export function reportJsonSchema(): string {
  const { $schema, ...schema } = z.toJSONSchema(jsonOutput, { target: "draft-7", io: "output" });
  const document = { $schema, title: "cleanup --json output", ...schema };
  return `${JSON.stringify(document, null, 2)}\n`;
}
