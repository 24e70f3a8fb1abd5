// dist/config-script.cache (see src/commands/config-script.ts): V8's code of dist/config-script.js
// after a `cleanup check` of the bundled rules, so that the functions a check calls are in it,
// compiled. Run by scripts/build.mjs in a node of its own, without flags, as `cleanup` runs.
// The header: the script's first line (which names the script), then the CRC-32 of the data.
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Script } from "node:vm";
import { crc32 } from "node:zlib";
import { CONFIG_CACHE, CONFIG_SCRIPT, sharedModules } from "./config-script.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));
const file = join(root, "dist", CONFIG_SCRIPT);

// The shared modules as dist/cli.js would hand them over (their code is not in the cache).
const shared = sharedModules(root);
const { outputFiles } = await build({
  stdin: {
    contents: shared
      .map((f, i) => `export * as m${i} from ${JSON.stringify(`./${f}`)};`)
      .join("\n"),
    resolveDir: root,
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  write: false,
});
const namespaces = await import(
  `data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString("base64")}`
);
const byName = Object.fromEntries(shared.map((f, i) => [f, namespaces[`m${i}`]]));

const source = readFileSync(file, "latin1");
const script = new Script(source, { filename: file });
const module = { exports: {} };
const nodeRequire = createRequire(file);
const require = (id) => (id.startsWith("cleanup:") ? byName[id.slice(8)] : nodeRequire(id));
script.runInThisContext()(require, module, file, join(root, "dist"), pathToFileURL(file).href);
const config = module.exports.checkConfig(join(root, "rules.yaml"), false, () => {});
if (!(config.rules.length > 0)) throw new Error("code cache: the bundled rules did not load");

const data = script.createCachedData();
const id = source.slice(0, source.indexOf("\n") + 1);
const crc = crc32(data).toString(16).padStart(8, "0");
writeFileSync(
  join(root, "dist", CONFIG_CACHE),
  Buffer.concat([Buffer.from(`${id}${crc}\n`, "latin1"), data]),
);
