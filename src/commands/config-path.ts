// Which rules file a command reads when --config does not say.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const SYSTEM_CONFIG = "/etc/cleanup/rules.yaml";

/**
 * The package's directory (where rules.yaml, systemd/ and contrib/ ship): the nearest one above
 * this module that holds package.json. The bundle is dist/cli.js, the source src/commands/, so a
 * fixed "../" would be right for one of them only.
 */
function packageDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return dirname(here);
  }
}

export const PACKAGE_DIR = packageDir();
export const BUNDLED_CONFIG = join(PACKAGE_DIR, "rules.yaml");

/** --config, else $CLEANUP_CONFIG, else /etc/cleanup/rules.yaml if present, else the bundled rules.yaml. */
export function resolveConfigPath(flag: string | undefined): string {
  if (flag) return flag;
  if (process.env.CLEANUP_CONFIG) return process.env.CLEANUP_CONFIG;
  return existsSync(SYSTEM_CONFIG) ? SYSTEM_CONFIG : BUNDLED_CONFIG;
}
