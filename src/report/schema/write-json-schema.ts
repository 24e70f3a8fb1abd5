// `npm run schema`: regenerates report.schema.json at the package root.
import { writeFileSync } from "node:fs";
import { reportJsonSchema } from "./json-schema.js";

// Runs from dist/report/schema/ (see scripts/build.mjs): the package root is three levels up.
const target = new URL("../../../report.schema.json", import.meta.url);
writeFileSync(target, reportJsonSchema());
process.stdout.write(`wrote ${target.pathname}\n`);
