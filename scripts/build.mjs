// Bundles the CLI with esbuild: dist/cli.js and the chunks it loads (dist/chunk-*.js). Measured
// at `cleanup --version`: the unbundled tsc output loads in 0.14 s and 60 MiB, the bundle in
// 0.10 s and 50 MiB, which counts at the every-30-minutes scale and in the 10,000-process
// benchmark. Split (issue 14): dist/cli.js holds the command table, and a run loads its machinery
// when it runs (src/commands/machinery.ts; `check` only the config's), so that `--version`,
// `--help` and `check` do not compile 1.2 MB they do not use (`npm run bench:startup`). Names are kept (no identifier
// mangling) so an internal error's stack trace stays readable; type checking is `npm run typecheck`.
//
// Next to the bundle it writes what it carries from others, from esbuild's metafile:
// dist/THIRD-PARTY-NOTICES.txt (their licence texts) and dist/sbom.cdx.json (CycloneDX), and
// the metafile itself, dist/metafile.json, for scripts/build-deb.mjs (not in the npm package),
// and the man pages, dist/man/cleanup.1 and dist/man/cleanup-rules.5 (scripts/man.mjs).
// `--schema-tool` also bundles the dev tools behind `npm run schema` (dist/config/ for
// rules.schema.json, dist/report/schema/ for report.schema.json), which package.json's "files"
// leaves out of the package.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleOptions } from "./bundle-options.mjs";
import { buildCachedScript, SCRIPTS, scriptDefines } from "./cached-scripts.mjs";
import { writeManPages } from "./man.mjs";
import { bundledPackages, renderNotices, renderSbom } from "./third-party.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));

/**
 * zod's namespace object carries every locale's messages (`z.locales`, 300 kB of the 580 kB zod
 * puts into the bundle), which esbuild cannot drop; cleanup uses none but English, zod's
 * default (its own messages are ours, config/issues.ts). Every start of `cleanup check` compiled
 * them. `z.locales` holds only `en` in the bundle.
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: args.path, namespace: "zod-locales", pluginData: args.resolveDir }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: join(args.pluginData, "..", "locales"),
      loader: "js",
    }));
  },
};
const dist = new URL("../dist/", import.meta.url);
rmSync(dist, { recursive: true, force: true });
const { metafile } = await build({
  ...bundleOptions,
  plugins: [...bundleOptions.plugins, zodEnglishOnly],
  absWorkingDir: root,
  entryPoints: ["src/cli.ts"],
  outdir: "dist",
  // The entry stays dist/cli.js; what a command loads only when it runs (`await import()` in
  // its run, see src/commands/) goes into chunks beside it, so that `--version`, `--help` and
  // `check` do not compile what a run needs. The chunks must stay directly in dist/: modules
  // find package.json one level up from themselves (src/run/version.ts,
  // src/commands/config-path.ts).
  splitting: true,
  chunkNames: "chunk-[hash]",
  metafile: true,
  // `cleanup check` and the runs load what they need as scripts with V8 code
  // (src/commands/cached-script.ts): the ES modules' imports of them are dead code here.
  define: scriptDefines(),
});
// What the scripts carry counts in the notices as what dist/cli.js carries.
for (const script of SCRIPTS) {
  const carried = await buildCachedScript(root, metafile, [zodEnglishOnly], script);
  Object.assign(metafile.inputs, carried.inputs);
}
// The caches are made by a node of their own, started as `cleanup` is (no flags): V8 takes a
// cache only from the same V8 with the same flags.
const { NODE_OPTIONS: _ignored, ...env } = process.env;
execFileSync(process.execPath, [join(root, "scripts/code-cache.mjs")], { env, stdio: "inherit" });

const self = JSON.parse(readFileSync(new URL("package.json", `file://${root}`), "utf8"));
const packages = bundledPackages(metafile, root);
mkdirSync(dist, { recursive: true });
writeFileSync(new URL("THIRD-PARTY-NOTICES.txt", dist), renderNotices(self, packages));
writeFileSync(new URL("sbom.cdx.json", dist), renderSbom(self, packages));
writeFileSync(new URL("metafile.json", dist), JSON.stringify(metafile));
await writeManPages(root);

if (process.argv.includes("--schema-tool")) {
  await build({
    ...bundleOptions,
    absWorkingDir: root,
    entryPoints: ["src/config/write-json-schema.ts", "src/report/schema/write-json-schema.ts"],
    outbase: "src",
    outdir: "dist",
  });
}
