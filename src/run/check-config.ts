// `cleanup check`, `alert test` and the daemon read the config without opening a run: apart from
// open.ts so that they do not load the acting side of a run (the session, lock and audit log).
import { loadConfigFile } from "../config/load.js";
import type { Config } from "../config/types.js";

/** Checks the config only: nothing scanned, locked or written. */
export function checkConfig(configPath: string, allowUntrusted = false): Config {
  return loadConfigFile(configPath, { allowUntrusted });
}
