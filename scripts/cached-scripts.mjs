// The scripts dist/cli.js loads with V8 code made by the build (the loader and why:
// src/commands/cached-script.ts; the code: scripts/code-cache.mjs):
// - dist/config-script.js: what `cleanup check` loads to read the rules file
//   (src/run/check-config.ts and what it needs);
// - dist/machinery-script.js: what every other command's run loads (src/commands/machinery.ts).
// Each is bundled for node:vm as a CommonJS body in a function of its own (below).
//
// A script takes the modules it shares with dist/cli.js from dist/cli.js (SHARED_MODULES in
// the loader, `require("cleanup:src/…")` in the script), so that there is one ConfigError class;
// the build stops if a script would carry a copy of any other module of dist/cli.js.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { bundleOptions } from "./bundle-options.mjs";

/** name: the script in dist/ (and NAME.cache beside it); define: the loader's constant of it. */
export const SCRIPTS = [
  { name: "config-script", entry: "src/run/check-config.ts", define: "CLEANUP_CONFIG_SCRIPT" },
  {
    name: "machinery-script",
    entry: "src/commands/machinery.ts",
    define: "CLEANUP_MACHINERY_SCRIPT",
  },
];
const LOADER = "src/commands/cached-script.ts";
const PREFIX = "cleanup:";

/** The loader's constants, for scripts/build.mjs: each script's file beside dist/cli.js. */
export const scriptDefines = () =>
  Object.fromEntries(SCRIPTS.map((s) => [s.define, JSON.stringify(`./${s.name}.js`)]));

/** RUN_V8_FLAGS in the loader: the flags a run compiles its machinery under. */
export function runV8Flags(root) {
  const m = /export const RUN_V8_FLAGS = "([^"]+)";/.exec(readFileSync(join(root, LOADER), "utf8"));
  if (!m) throw new Error(`${LOADER}: no RUN_V8_FLAGS`);
  return m[1];
}

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

/**
 * Bundles `script` (one of SCRIPTS) into dist/. Returns its metafile (what it carries, for the
 * notices).
 */
export async function buildCachedScript(root, mainMetafile, plugins, script) {
  const file = `${script.name}.js`;
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
    entryPoints: [script.entry],
    format: "cjs",
    write: false,
    outfile: join(root, "dist", file),
    metafile: true,
    banner: {},
    // The wrapper's parameters (below): import.meta.url is the script's file URL.
    define: { "import.meta.url": "__cleanupUrl" },
  });
  // A script run by node:vm has no loader for import(): an external one left in it (a built-in
  // imported dynamically) would fail when reached. Built-ins loaded late go through
  // src/shared/lazy-builtins.ts instead.
  const dynamic = Object.entries(metafile.inputs).flatMap(([f, input]) =>
    input.imports
      .filter((i) => i.external && i.kind === "dynamic-import")
      .map((i) => `${f}: import("${i.path}")`),
  );
  if (dynamic.length > 0)
    throw new Error(
      `${file} would keep ${dynamic.join(", ")}, which node:vm cannot load: use src/shared/lazy-builtins.ts`,
    );
  const copies = Object.keys(metafile.inputs).filter((f) => inCli.has(f));
  if (copies.length > 0)
    throw new Error(
      `${file} would carry a copy of ${copies.join(", ")} (in dist/cli.js too): add ${copies.length === 1 ? "it" : "them"} to SHARED_MODULES in ${LOADER}`,
    );
  const unused = [...shared].filter((f) => !inCli.has(f));
  if (unused.length > 0)
    throw new Error(`${LOADER}: SHARED_MODULES lists ${unused.join(", ")}, not in dist/cli.js`);
  const body = [
    "(function (require, module, __filename, __dirname, __cleanupUrl) { var exports = module.exports;",
    outputFiles[0].text,
    "})",
  ].join("\n");
  // The first line names this very script: the cache's header repeats it (cached-script.ts).
  const id = createHash("sha256").update(body).digest("hex");
  writeFileSync(join(root, "dist", file), `// cleanup ${script.name} ${id}\n${body}`, "latin1");
  return metafile;
}
