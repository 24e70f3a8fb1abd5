// dist/NAME.cache for each script of scripts/cached-scripts.mjs (the loader and why:
// src/commands/cached-script.ts): V8's code of dist/NAME.js after a run of it, so that the
// functions a run calls are in it, compiled:
// - config-script: a `cleanup check` of the bundled rules;
// - machinery-script: a dry run of the bundled rules on this (the build's) host, rendered as
//   text and as JSON, under the V8 flags a run sets (RUN_V8_FLAGS). A dry run signals nothing
//   (the kill it is given throws and is counted: any call fails the build); its state dir is a
//   fresh temporary one, removed after. If the dry run fails or reads no process (a build host
//   without a readable /proc), the build fails: a cache of less would still be accepted.
// Run by scripts/build.mjs in a node of its own, without flags, as `cleanup` runs. The header:
// the script's first line (which names the script), then the CRC-32 of the data.
import { build } from "esbuild";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { Script } from "node:vm";
import { crc32 } from "node:zlib";
import { runV8Flags, SCRIPTS, sharedModules } from "./cached-scripts.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));
const bundledRules = join(root, "rules.yaml");

// The shared modules as dist/cli.js would hand them over (their code is not in the caches).
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
// Loaded from dist/, as dist/cli.js is: src/run/version.ts finds package.json from there.
const sharedFile = join(root, "dist", `.code-cache-shared-${process.pid}.mjs`);
writeFileSync(sharedFile, outputFiles[0].text);
let namespaces;
try {
  namespaces = await import(pathToFileURL(sharedFile).href);
} finally {
  rmSync(sharedFile, { force: true });
}
const byName = Object.fromEntries(shared.map((f, i) => [f, namespaces[`m${i}`]]));

/** Compiles and runs dist/NAME.js as the loader does; `use` exercises its exports. */
async function makeCache(name, use) {
  const file = join(root, "dist", `${name}.js`);
  const source = readFileSync(file, "latin1");
  const script = new Script(source, { filename: file });
  const module = { exports: {} };
  const nodeRequire = createRequire(file);
  const require = (id) => (id.startsWith("cleanup:") ? byName[id.slice(8)] : nodeRequire(id));
  script.runInThisContext()(require, module, file, join(root, "dist"), pathToFileURL(file).href);
  await use(module.exports);
  const data = script.createCachedData();
  const id = source.slice(0, source.indexOf("\n") + 1);
  const crc = crc32(data).toString(16).padStart(8, "0");
  writeFileSync(
    join(root, "dist", `${name}.cache`),
    Buffer.concat([Buffer.from(`${id}${crc}\n`, "latin1"), data]),
  );
}

const uses = {
  "config-script": async ({ checkConfig }) => {
    const config = checkConfig(bundledRules, false, () => {});
    if (!(config.rules.length > 0)) throw new Error("code cache: the bundled rules did not load");
  },
  "machinery-script": async ({ runOnce, renderText, renderJsonChunks, runLogEntries }) => {
    const stateDir = mkdtempSync(join(tmpdir(), "cleanup-code-cache-"));
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    // A dry run signals nothing; if it ever tried, the executor would catch the throw and call
    // it a failed kill, so the count is checked after the run as well.
    let signals = 0;
    try {
      const report = await runOnce({
        configPath: bundledRules,
        // The checkout's own rules, read and never acted on: its owner and mode do not matter.
        allowUntrustedConfig: true,
        mode: "dry-run",
        stateDir,
        logStream: sink,
        kill: () => {
          signals += 1;
          throw new Error("code cache: the warm-up's dry run tried to signal");
        },
      });
      if (signals > 0 || report.dryRun !== true)
        throw new Error(`code cache: the warm-up was not a dry run (${signals} signals)`);
      if (report.configFile !== bundledRules || !(report.scan?.processes > 0))
        throw new Error("code cache: the warm-up dry run read no rules or no processes");
      runLogEntries(report);
      renderText(report);
      for (const _chunk of renderJsonChunks(report, 0));
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
};

for (const { name } of SCRIPTS) {
  // After the config script's cache (check runs without them): V8 takes a cache only under the
  // flags it was made with.
  if (name === "machinery-script") setFlagsFromString(runV8Flags(root));
  await makeCache(name, uses[name]);
}
