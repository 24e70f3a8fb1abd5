// rules.schema.json, generated from the zod schema so editors check rules.yaml the same way
// `cleanup check` does. test/unit/config/json-schema.test.ts keeps the committed copy in sync.
import { z } from "zod";
import { rulesFileSchema } from "./schema.js";

export function rulesJsonSchema(): string {
  const schema = z.toJSONSchema(rulesFileSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, title: "cleanup rules.yaml" }, null, 2)}\n`;
}
