// The man pages the build wrote (dist/man/), rendered by the real man as a reader gets them, in a
// UTF-8 locale and in the C locale, at 80 columns: no warning, and every option `cleanup --help`
// prints and every command of the table is in cleanup(1).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RULES_SECTION, readmeSection } from "../../src/commands/rules-man.js";
import type { CommandSpec } from "../../src/commands/spec.js";
import { COMMANDS } from "../../src/commands/table.js";
import { CLI } from "../helpers/scene.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAN_DIR = join(ROOT, "dist/man");
const PAGES = ["cleanup.1", "cleanup-rules.5"];
const MAN = "/usr/bin/man";
const GROFF = "/usr/bin/groff";

/** The lines of the README's fenced code blocks in the rules reference. */
const CODE_LINES = new Set(
  readmeSection(readFileSync(join(ROOT, "README.md"), "utf8"), RULES_SECTION)
    .split(/^```.*$/m)
    .filter((_, i) => i % 2 === 1)
    .flatMap((block) => block.split("\n").map((line) => line.trim())),
);

function man(page: string, locale: string): { text: string; warnings: string; status: number } {
  const run = spawnSync(MAN, ["-l", join(MAN_DIR, page)], {
    encoding: "utf8",
    env: { ...process.env, MANWIDTH: "80", LC_ALL: locale, MANPAGER: "cat", PAGER: "cat" },
  });
  if (run.error) throw run.error;
  return { text: run.stdout, warnings: run.stderr, status: run.status ?? -1 };
}

describe("the built man pages", () => {
  it("are in dist/man (npm run build writes them)", () => {
    for (const page of PAGES) expect(existsSync(join(MAN_DIR, page)), page).toBe(true);
  });

  it
    .skipIf(!existsSync(MAN))
    .each(PAGES.flatMap((page) => ["C.UTF-8", "C"].map((locale) => [page, locale])))(
    "man -l %s renders without a warning (LC_ALL=%s, 80 columns)",
    (page, locale) => {
      const { text, warnings, status } = man(page, locale);
      expect(warnings).toBe("");
      expect(status).toBe(0);
      // Filled text fits; only a code block's lines (an error message quoted whole) may not.
      const long = text.split("\n").filter((line) => line.length > 80);
      expect(long.filter((line) => !CODE_LINES.has(line.trim()))).toEqual([]);
    },
  );

  it.skipIf(!existsSync(GROFF)).each(PAGES)("groff -man -ww -z %s says nothing", (page) => {
    const run = spawnSync(GROFF, ["-man", "-ww", "-z", join(MAN_DIR, page)], { encoding: "utf8" });
    expect(run).toMatchObject({ status: 0, stdout: "", stderr: "" });
  });

  it.skipIf(!existsSync(MAN))("cleanup(1) has every option of --help and every command", () => {
    const help = spawnSync(process.execPath, [CLI, "--help"], { encoding: "utf8" }).stdout;
    const options = [...new Set(help.match(/--[a-z][a-z-]+/g))];
    expect(options.length).toBeGreaterThan(10);
    const text = man("cleanup.1", "C.UTF-8").text.replace(/\s+/g, " ");
    for (const option of options) expect(text).toContain(option);
    for (const command of COMMANDS as readonly CommandSpec[])
      expect(text).toContain(["cleanup", ...command.words].join(" "));
    expect(text).toContain("cleanup completion SHELL");
  });

  it.skipIf(!existsSync(MAN))("cleanup-rules(5) has every top-level key of the schema", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, "rules.schema.json"), "utf8")) as {
      properties: Record<string, unknown>;
    };
    const text = man("cleanup-rules.5", "C.UTF-8").text;
    for (const key of Object.keys(schema.properties))
      expect(text).toMatch(new RegExp(`\\b${key}\\b`));
  });
});
