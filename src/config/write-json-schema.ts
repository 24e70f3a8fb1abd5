// `npm run schema`: regenerates rules.schema.json at the package root.
import { writeFileSync } from "node:fs";
import { rulesJsonSchema } from "./json-schema.js";

// Runs from dist/config/ (see scripts/build.mjs): the package root is two levels up.
const target = new URL("../../rules.schema.json", import.meta.url);
writeFileSync(target, rulesJsonSchema());
process.stdout.write(`wrote ${target.pathname}\n`);
