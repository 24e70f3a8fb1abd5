// The two scripts dist/cli.js loads with V8 code made by the build, instead of ES modules that
// Node 20 would compile at every start (it has no compile cache for ES modules):
// - dist/config-script.js: what `cleanup check` loads to read the rules file
//   (run/check-config.ts and all it needs: zod, yaml, re2js, src/config/), 1 MB. Compiling it
//   was a third of check's cost (issue 14).
// - dist/machinery-script.js: what every other command's run loads (commands/machinery.ts: the
//   scan, the plan, acting, alerts, reports, and the config's part again), 1.4 MB. Compiling it
//   was 60–65 ms of a small host's dry run, and the functions a run calls compiled lazily after.
// Each comes with dist/NAME.cache, V8's code of it after a run of the bundled rules (a check; a
// dry run of this build's own host), so that what a run calls comes compiled
// (scripts/code-cache.mjs). Nothing writes a cache at run time.
//
// A cache is used only if it is whole and of this very script; otherwise the script is
// compiled from source, as an ES module would be, and answers the same:
// - its header names the script it was made from (the script's first line) and a CRC-32 of
//   the V8 data: V8 checks the data's version and flags but not its checksum (Node 20 release
//   builds), and a damaged cache it accepts crashes the process or runs other code;
// - V8 rejects data of another V8 version or other flags (`cachedDataRejected`).
// The first line names the script by the SHA-256 of its body as the build wrote it; the body is
// not hashed again at each start (V8 checks only the source's length). So this guards against a
// damaged file and against a script and a cache of two builds (an upgrade half done), not
// against an edited script: whoever can write dist/ runs code as cleanup anyway.
// Without the scripts (the sources, as the tests run them), the ES modules are imported.
// NODE_DEBUG=cleanup-code-cache says which happened.
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as configErrors from "../config/errors.js";
import * as configUnits from "../config/units.js";
import * as formatDuration from "../shared/format-duration.js";
import * as glob from "../shared/glob.js";
import * as journald from "../shared/journald.js";
import * as logLine from "../shared/log-line.js";
import * as runChildEnv from "../daemon/run-child-env.js";
import * as exitCodes from "../exit-codes.js";
import * as version from "../run/version.js";
import * as pidFiles from "../scan/pid-files.js";
import * as scanTypes from "../scan/types.js";
import * as argvExcerpt from "../shared/argv-excerpt.js";
import * as printable from "../shared/printable.js";
import * as usageError from "../shared/usage-error.js";
import * as stateDirError from "../state/state-dir-error.js";

type CheckConfigModule = typeof import("../run/check-config.js");
type Machinery = typeof import("./machinery.js");

/** Set by the build (scripts/build.mjs `define`): dist/cli.js has the scripts beside it. */
declare const CLEANUP_CONFIG_SCRIPT: string | undefined;
declare const CLEANUP_MACHINERY_SCRIPT: string | undefined;

/**
 * The modules the scripts share with dist/cli.js: they take them from here instead of carrying
 * copies, so that there is one of each class main() tells errors by (ConfigError, ScanError,
 * UsageError, StateDirError) and of each module's state. scripts/build.mjs refuses a script that
 * would carry a copy of any other module of dist/cli.js, and a name here that dist/cli.js lacks.
 */
export const SHARED_MODULES: Record<string, object> = {
  "src/config/errors.ts": configErrors,
  "src/config/units.ts": configUnits,
  "src/daemon/run-child-env.ts": runChildEnv,
  "src/exit-codes.ts": exitCodes,
  "src/run/version.ts": version,
  "src/scan/pid-files.ts": pidFiles,
  "src/scan/types.ts": scanTypes,
  "src/shared/argv-excerpt.ts": argvExcerpt,
  "src/shared/format-duration.ts": formatDuration,
  "src/shared/glob.ts": glob,
  "src/shared/journald.ts": journald,
  "src/shared/log-line.ts": logLine,
  "src/shared/printable.ts": printable,
  "src/shared/usage-error.ts": usageError,
  "src/state/state-dir-error.ts": stateDirError,
};

/** How a script's own require() names a shared module (scripts/cached-scripts.mjs). */
export const SHARED_PREFIX = "cleanup:";

/**
 * The V8 flags a run sets before its machinery is compiled (scripts/code-cache.mjs sets the
 * same before it makes the machinery's cache: V8 takes a cache only under the flags it was
 * made with).
 *
 * A one-shot run allocates in one burst (10,000 /proc reads) and exits; V8 answers such a burst
 * by growing the young generation to 32 MiB, which is most of the agent's memory. Measured at
 * 10,000 processes: peak RSS 103 MiB by default, 80 MiB without semi-space growth, same speed.
 * (--max-semi-space-size can only be given before start; the growth factor is read at each GC,
 * so setting it before anything of a run is loaded is as good as at start.) Not for `--version`,
 * `--help` and `check`, which make no such burst: node:v8 costs them about as much as the rest
 * of their start.
 */
export const RUN_V8_FLAGS = "--semi-space-growth-factor=1";

export type CacheUse = "accepted" | "rejected" | "absent" | "damaged";

/* eslint-disable @typescript-eslint/no-require-imports -- node:vm, node:util, node:v8 and
   node:zlib are loaded by the commands that load a script only: a static import would load them
   at --version too. */
const lazy = {
  vm: () => require("node:vm") as typeof import("node:vm"),
  util: () => require("node:util") as typeof import("node:util"),
  v8: () => require("node:v8") as typeof import("node:v8"),
  module: () => require("node:module") as typeof import("node:module"),
  zlib: () => require("node:zlib") as { crc32?: (data: Uint8Array) => number },
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** What `cleanup check` needs: dist/config-script.js, or the ES module from the sources. */
export async function loadCheckConfig(): Promise<CheckConfigModule> {
  if (typeof CLEANUP_CONFIG_SCRIPT === "undefined") return import("../run/check-config.js");
  return runScript<CheckConfigModule>(CLEANUP_CONFIG_SCRIPT);
}

/**
 * What a command's run needs: dist/machinery-script.js, or the ES module from the sources. The
 * run's V8 flags are set first, in both cases before any of it is compiled or evaluated.
 */
export async function loadMachinery(): Promise<Machinery> {
  lazy.v8().setFlagsFromString(RUN_V8_FLAGS);
  if (typeof CLEANUP_MACHINERY_SCRIPT === "undefined") return import("./machinery.js");
  return runScript<Machinery>(CLEANUP_MACHINERY_SCRIPT);
}

/** Each script's exports, once run: a run that fails loads the machinery again to report. */
const loaded = new Map<string, unknown>();

/** Runs the script `name` beside dist/cli.js (with its cache, when that is good): its exports. */
function runScript<T>(name: string): T {
  if (loaded.has(name)) return loaded.get(name) as T;
  const file = new URL(name, import.meta.url);
  const cacheFile = new URL(`${name.replace(/\.js$/, "")}.cache`, file);
  const source = readFileSync(file, "latin1");
  const { data, use } = cachedData(source, cacheFile);
  const path = fileURLToPath(file);
  const script = new (lazy.vm().Script)(source, {
    filename: path,
    ...(data && { cachedData: data }),
  });
  lazy.util().debuglog("cleanup-code-cache")(
    "%s: cache %s",
    path,
    use === "accepted" && script.cachedDataRejected === true ? "rejected" : use,
  );
  const module = { exports: {} as T };
  const nodeRequire = lazy.module().createRequire(file);
  const require = (id: string): unknown =>
    id.startsWith(SHARED_PREFIX) ? SHARED_MODULES[id.slice(SHARED_PREFIX.length)] : nodeRequire(id);
  const dir = dirname(path);
  (script.runInThisContext() as ScriptFunction<T>)(require, module, path, dir, file.href);
  loaded.set(name, module.exports);
  return module.exports;
}

type ScriptFunction<T> = (
  require: (id: string) => unknown,
  module: { exports: T },
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
