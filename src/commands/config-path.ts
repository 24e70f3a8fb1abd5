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

/**
 * --config, else $CLEANUP_CONFIG, else /etc/cleanup/rules.yaml if present, else the bundled
 * rules.yaml. The last one is said on `note` (a command's stderr): rules nobody chose are
 * acting, and the reader should learn which file and where theirs would go.
 */
export function resolveConfigPath(flag: string | undefined, note?: NodeJS.WritableStream): string {
  if (flag) return flag;
  if (process.env.CLEANUP_CONFIG) return process.env.CLEANUP_CONFIG;
  if (existsSync(SYSTEM_CONFIG)) return SYSTEM_CONFIG;
  note?.write(`${bundledConfigNote(BUNDLED_CONFIG)}\n`);
  return BUNDLED_CONFIG;
}

/** One line: which file is used, and where a rules file of one's own goes. */
export function bundledConfigNote(bundled: string): string {
  return `cleanup: note: no --config, no $CLEANUP_CONFIG and no ${SYSTEM_CONFIG}: using the bundled rules ${bundled}; put your rules in ${SYSTEM_CONFIG} (cleanup install copies these there) or pass --config FILE`;
}
