// What ExecStart= and the cron line should run. The cleanup binary starts with
// `#!/usr/bin/env node`, and systemd and the shipped cron file search only the system PATH
// below: a node from nvm or a tarball under /opt is not found there (exit 127 at 3 a.m.). Then
// the node running now is named explicitly (and when the script is not executable).
import { accessSync, constants, realpathSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";

/** systemd's PATH for services, and the one contrib/cron.d/cleanup sets. */
export const SERVICE_PATH = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];

export interface InstallCommand {
  binPath: string;
  /** Set when `env node` under SERVICE_PATH would not start this node. */
  node?: string;
}

export interface BinPathFs {
  /** The real path of an executable file, or null if there is none. */
  executable: (path: string) => string | null;
}

const realFs: BinPathFs = {
  executable: (path) => {
    try {
      accessSync(path, constants.X_OK);
      return realpathSync(path);
    } catch {
      return null;
    }
  },
};

/**
 * script: process.argv[1] (for `npm install -g`, the bin symlink /usr/local/bin/cleanup, which
 * stays valid across upgrades, unlike the package file it points to); execPath: process.execPath.
 */
export function installCommand(
  script: string,
  execPath: string,
  fs: BinPathFs = realFs,
): InstallCommand {
  const binPath = isAbsolute(script) ? script : resolve(script);
  const found = SERVICE_PATH.map((dir) => fs.executable(join(dir, "node"))).find((p) => p !== null);
  const current = fs.executable(execPath) ?? execPath;
  // A script without its execute bit runs only as an argument of node.
  const direct = found === current && fs.executable(binPath) !== null;
  return direct ? { binPath } : { binPath, node: execPath };
}
