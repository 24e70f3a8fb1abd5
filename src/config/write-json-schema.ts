// `npm run schema`: regenerates rules.schema.json at the package root.
import { writeFileSync } from "node:fs";
import { rulesJsonSchema } from "./json-schema.js";

const target = new URL("../../rules.schema.json", import.meta.url);
writeFileSync(target, rulesJsonSchema());
process.stdout.write(`wrote ${target.pathname}\n`);
