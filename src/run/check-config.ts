// `cleanup check`, `alert test` and the daemon read the config without opening a run: apart from
// open.ts so that they do not load the acting side of a run (the session, lock and audit log).
import type { ConfigProblem } from "../config/errors.js";
import { loadConfigFile } from "../config/load.js";
import type { Config } from "../config/types.js";
import { readHostFacts } from "../host/host-facts.js";

/**
 * Checks the config only: nothing scanned, locked or written. `cleanup check`'s load: the file
 * as a run reads it, and also the keys this host cannot serve (config/host-facts.ts), told to
 * `onHostProblems`.
 */
export function checkConfig(
  configPath: string,
  allowUntrusted = false,
  onHostProblems?: (problems: ConfigProblem[]) => void,
): Config {
  return loadConfigFile(configPath, {
    allowUntrusted,
    ...(onHostProblems && { hostFacts: { facts: readHostFacts(), report: onHostProblems } }),
  });
}
