// dist/config-script.js: what `cleanup check` loads to read the rules file (src/run/check-config.ts
// and what it needs), bundled as a script for node:vm so that it can come with V8 code made by
// the build (scripts/code-cache.mjs; the loader and why: src/commands/config-script.ts).
//
// The script takes the modules it shares with dist/cli.js from dist/cli.js (SHARED_MODULES in
// the loader, `require("cleanup:src/…")` in the script), so that there is one ConfigError class;
// the build stops if the script would carry a copy of any other module of dist/cli.js.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { bundleOptions } from "./bundle-options.mjs";

export const CONFIG_SCRIPT = "config-script.js";
export const CONFIG_CACHE = "config-script.cache";
const LOADER = "src/commands/config-script.ts";
const PREFIX = "cleanup:";

/** The keys of SHARED_MODULES in the loader: "src/….ts". */
export function sharedModules(root) {
  const text = readFileSync(join(root, LOADER), "utf8");
  const table = text.slice(
    text.indexOf("SHARED_MODULES"),
    text.indexOf("};", text.indexOf("SHARED_MODULES")),
  );
  return [...table.matchAll(/"(src\/[^"]+\.ts)":/g)].map((m) => m[1]);
}

/** The inputs of the main bundle that dist/cli.js imports statically, itself included. */
function cliModules(metafile) {
  const seen = new Set();
  const stack = ["src/cli.ts"];
  while (stack.length > 0) {
    const file = stack.pop();
    if (seen.has(file) || !metafile.inputs[file]) continue;
    seen.add(file);
    for (const i of metafile.inputs[file].imports)
      if (!i.external && i.kind !== "dynamic-import") stack.push(i.path);
  }
  return seen;
}

export async function buildConfigScript(root, mainMetafile, plugins) {
  const shared = new Set(sharedModules(root));
  const inCli = cliModules(mainMetafile);
  const sharedFromCli = {
    name: "shared-from-cli",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData === "shared-from-cli") return undefined;
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: "shared-from-cli",
        });
        const rel = relative(root, resolved.path);
        return shared.has(rel) ? { path: `${PREFIX}${rel}`, external: true } : resolved;
      });
    },
  };
  const { outputFiles, metafile } = await build({
    ...bundleOptions,
    plugins: [...bundleOptions.plugins, ...plugins, sharedFromCli],
    absWorkingDir: root,
    entryPoints: ["src/run/check-config.ts"],
    format: "cjs",
    write: false,
    outfile: join(root, "dist", CONFIG_SCRIPT),
    metafile: true,
    banner: {},
    // The wrapper's parameters (below): import.meta.url is the script's file URL.
    define: { "import.meta.url": "__cleanupUrl" },
  });
  const copies = Object.keys(metafile.inputs).filter((f) => inCli.has(f));
  if (copies.length > 0)
    throw new Error(
      `${CONFIG_SCRIPT} would carry a copy of ${copies.join(", ")} (in dist/cli.js too): add ${copies.length === 1 ? "it" : "them"} to SHARED_MODULES in ${LOADER}`,
    );
  const unused = [...shared].filter((f) => !inCli.has(f));
  if (unused.length > 0)
    throw new Error(`${LOADER}: SHARED_MODULES lists ${unused.join(", ")}, not in dist/cli.js`);
  const body = [
    "(function (require, module, __filename, __dirname, __cleanupUrl) { var exports = module.exports;",
    outputFiles[0].text,
    "})",
  ].join("\n");
  // The first line names this very script: the cache's header repeats it (config-script.ts).
  const id = createHash("sha256").update(body).digest("hex");
  writeFileSync(
    join(root, "dist", CONFIG_SCRIPT),
    `// cleanup config script ${id}\n${body}`,
    "latin1",
  );
}
