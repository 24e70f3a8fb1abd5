// The man pages, dist/man/cleanup.1 and dist/man/cleanup-rules.5, from the sources that also make
// `cleanup --help` and the README's rules reference (src/commands/man-pages.ts). That module is
// TypeScript importing the command table: it is bundled like the CLI into a temp dir, imported,
// and the temp dir removed, so nothing of it ships. scripts/build.mjs calls writeManPages.
import { build } from "esbuild";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bundleOptions } from "./bundle-options.mjs";

/** Writes the pages into <root>/dist/man; returns their paths. */
export async function writeManPages(root) {
  const temp = mkdtempSync(join(tmpdir(), "cleanup-man-"));
  try {
    const outfile = join(temp, "man-pages.mjs");
    await build({
      ...bundleOptions,
      absWorkingDir: root,
      entryPoints: ["src/commands/man-pages.ts"],
      outfile,
    });
    const { manPages } = await import(pathToFileURL(outfile).href);
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const dir = join(root, "dist/man");
    mkdirSync(dir, { recursive: true });
    return manPages(readme, version).map(({ file, text }) => {
      writeFileSync(join(dir, file), text);
      return join(dir, file);
    });
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
