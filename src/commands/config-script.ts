// What `cleanup check` loads to read the rules file: run/check-config.ts and all it needs (zod,
// yaml, re2js, src/config/), 0.7 MB. Compiling it was a third of check's cost (issue 14), and
// Node 20 has no compile cache for ES modules. So the build also bundles it as a script,
// dist/config-script.js, with V8 code for it, dist/config-script.cache: compiled by the build
// after a check of the bundled rules, so that what a check calls comes compiled
// (scripts/code-cache.mjs). Nothing writes a cache at run time.
//
// The cache is used only if it is whole and of this very script; otherwise the script is
// compiled from source, as an ES module would be, and answers the same:
// - its header names the script it was made from (the script's first line) and a CRC-32 of
//   the V8 data: V8 checks the data's version and flags but not its checksum (Node 20 release
//   builds), and a damaged cache it accepts crashes the process or runs other code;
// - V8 rejects data of another V8 version or other flags (`cachedDataRejected`).
// Without the script (the sources, as the tests run them), the ES module is imported.
// NODE_DEBUG=cleanup-code-cache says which happened.
import { readFileSync } from "node:fs";
import * as configErrors from "../config/errors.js";
import * as configUnits from "../config/units.js";
import * as formatDuration from "../shared/format-duration.js";
import * as glob from "../shared/glob.js";
import * as journald from "../shared/journald.js";
import * as logLine from "../shared/log-line.js";

type CheckConfigModule = typeof import("../run/check-config.js");

/** Set by the build (scripts/build.mjs `define`): dist/cli.js has the script beside it. */
declare const CLEANUP_CONFIG_SCRIPT: string | undefined;

/**
 * The modules the script shares with dist/cli.js: it takes them from here instead of carrying
 * copies, so that a ConfigError it throws is the class main() knows. scripts/build.mjs refuses a
 * script that would carry a copy of any other module of dist/cli.js.
 */
export const SHARED_MODULES: Record<string, object> = {
  "src/config/errors.ts": configErrors,
  "src/config/units.ts": configUnits,
  "src/shared/format-duration.ts": formatDuration,
  "src/shared/glob.ts": glob,
  "src/shared/journald.ts": journald,
  "src/shared/log-line.ts": logLine,
};

/** How the script's own require() names a shared module (scripts/build.mjs). */
export const SHARED_PREFIX = "cleanup:";

export type CacheUse = "accepted" | "rejected" | "absent" | "damaged";

/* eslint-disable @typescript-eslint/no-require-imports -- node:vm, node:util and node:zlib are
   loaded by check only: a static import would load them at --version too. */
const lazy = {
  vm: () => require("node:vm") as typeof import("node:vm"),
  util: () => require("node:util") as typeof import("node:util"),
  module: () => require("node:module") as typeof import("node:module"),
  zlib: () => require("node:zlib") as { crc32?: (data: Uint8Array) => number },
};
/* eslint-enable @typescript-eslint/no-require-imports */

export async function loadCheckConfig(): Promise<CheckConfigModule> {
  if (typeof CLEANUP_CONFIG_SCRIPT === "undefined") return import("../run/check-config.js");
  const file = new URL(CLEANUP_CONFIG_SCRIPT, import.meta.url);
  return runConfigScript(
    file,
    new URL(`${CLEANUP_CONFIG_SCRIPT.replace(/\.js$/, "")}.cache`, file),
  );
}

function runConfigScript(file: URL, cacheFile: URL): CheckConfigModule {
  const source = readFileSync(file, "latin1");
  const { data, use } = cachedData(source, cacheFile);
  const path = file.pathname;
  const script = new (lazy.vm().Script)(source, {
    filename: path,
    ...(data && { cachedData: data }),
  });
  lazy.util().debuglog("cleanup-code-cache")(
    "%s: cache %s",
    path,
    use === "accepted" && script.cachedDataRejected === true ? "rejected" : use,
  );
  const module = { exports: {} as CheckConfigModule };
  const nodeRequire = lazy.module().createRequire(file);
  const require = (id: string): unknown =>
    id.startsWith(SHARED_PREFIX) ? SHARED_MODULES[id.slice(SHARED_PREFIX.length)] : nodeRequire(id);
  const dir = new URL(".", file).pathname;
  (script.runInThisContext() as ScriptFunction)(require, module, path, dir, file.href);
  return module.exports;
}

type ScriptFunction = (
  require: (id: string) => unknown,
  module: { exports: CheckConfigModule },
  filename: string,
  dirname: string,
  url: string,
) => void;

/**
 * The cache's V8 data if its header (`<script's first line>\n<crc32 hex>\n`) says it is whole
 * and made from this script. zlib.crc32 is Node ≥ 20.15; without it the cache is not used.
 */
function cachedData(source: string, cacheFile: URL): { data?: Buffer; use: CacheUse } {
  let cache: Buffer;
  try {
    cache = readFileSync(cacheFile);
  } catch {
    return { use: "absent" };
  }
  const id = source.slice(0, source.indexOf("\n") + 1);
  const crcEnd = id.length + 9;
  if (id.length === 0 || cache.length <= crcEnd || cache.toString("latin1", 0, id.length) !== id)
    return { use: "damaged" };
  const data = cache.subarray(crcEnd);
  const crc = Number.parseInt(cache.toString("latin1", id.length, crcEnd - 1), 16);
  const { crc32 } = lazy.zlib();
  if (typeof crc32 !== "function" || crc32(data) !== crc) return { use: "damaged" };
  return { data, use: "accepted" };
}
