// The package's version (`cleanup --version`, the health probes' User-Agent).
import { readFileSync } from "node:fs";

const read = (relative: string): string => readFileSync(new URL(relative, import.meta.url), "utf8");

export function packageVersion(): string {
  let text: string;
  // The bundle is dist/cli.js, package.json one level up; the sources (as the tests run them)
  // are in src/run/, two levels down.
  try {
    text = read("../package.json");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    text = read("../../package.json");
  }
  return (JSON.parse(text) as { version: string }).version;
}
