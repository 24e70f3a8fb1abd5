// The man pages from their sources: cleanup(1) carries every command and option of the table with
// its help, the exit status table, files and environment; cleanup-rules(5) the README's rules
// reference; the markdown converter handles the subset the README uses. Rendering is checked by
// groff (-ww: every warning) where it is installed; test/integration/man.test.ts renders the
// built pages with man.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { renderCommandMan } from "../../../src/commands/man-page.js";
import { manPages } from "../../../src/commands/man-pages.js";
import { inline, markdownToRoff } from "../../../src/commands/markdown-roff.js";
import { readmeSection, renderRulesMan } from "../../../src/commands/rules-man.js";
import { escape } from "../../../src/commands/roff.js";
import type { CommandSpec } from "../../../src/commands/spec.js";
import { COMMANDS, PROGRAM } from "../../../src/commands/table.js";
import { EXIT_TABLE } from "../../../src/exit-codes.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const TABLE = COMMANDS as readonly CommandSpec[];
const commandPage = renderCommandMan(PROGRAM, TABLE, "9.9.9");
const rulesPage = renderRulesMan(README, "9.9.9");
const GROFF = "/usr/bin/groff";

/** The page as text (-Tutf8, as man in a UTF-8 locale; no overstrike), or undefined without groff. */
function rendered(page: string): { text: string; warnings: string } | undefined {
  if (!existsSync(GROFF)) return undefined;
  const run = spawnSync(GROFF, ["-man", "-ww", "-Tutf8", "-P-cbou", "-rLL=80n"], {
    input: page,
    encoding: "utf8",
  });
  if (run.error) throw run.error;
  return { text: run.stdout, warnings: run.stderr };
}

/** Words of a rendered page, whitespace (and line ends) as single spaces. */
const flat = (text: string) => text.replace(/\s+/g, " ");

/** Every line is a known request or a text line that no roff reader takes for one. */
function requests(page: string): string[] {
  return [...new Set(page.split("\n").flatMap((l) => (/^[.']/.test(l) ? [l.split(" ")[0]!] : [])))];
}

describe("cleanup(1)", () => {
  it("is roff made of the man macros only, with no blank line, in ASCII", () => {
    expect(commandPage.startsWith('.TH CLEANUP 1 "" "cleanup 9.9.9" "User Commands"\n')).toBe(true);
    expect(requests(commandPage).sort()).toEqual([".PP", ".SH", ".SS", ".TH", ".TP", ".ad", ".nh"]);
    expect(commandPage).not.toMatch(/\n\n/);
    expect(commandPage).toMatch(/^[\x20-\x7e\n]*$/);
    expect(commandPage).toContain(
      "\n.SH\nNAME\ncleanup \\- find orphaned worker processes and remove them safely\n",
    );
  });

  it.skipIf(!existsSync(GROFF))("renders without a groff warning", () => {
    expect(rendered(commandPage)!.warnings).toBe("");
  });

  it.skipIf(!existsSync(GROFF))(
    "has every command, every option with its help, choices and default, and every exit code",
    () => {
      const text = flat(rendered(commandPage)!.text);
      for (const spec of TABLE) {
        expect(text).toContain(["cleanup", ...spec.words].join(" "));
        expect(text.toLowerCase()).toContain(flat(spec.description).toLowerCase());
        for (const option of spec.options) {
          const value = option.type === "boolean" ? "" : ` ${option.value}`;
          expect(text).toContain(
            `${option.short ? `-${option.short}, ` : ""}--${option.name}${value}`,
          );
          // The help --help leaves out for every command but the default one.
          expect(text.toLowerCase()).toContain(
            flat(option.help.replaceAll("\u00a0", " ")).toLowerCase(),
          );
          if (option.type !== "boolean" && option.choices)
            expect(text).toContain(`One of: ${option.choices.join(", ")}.`);
          if (option.type !== "boolean" && option.default)
            expect(text).toContain(`Default: ${option.default}.`);
        }
      }
      for (const [code, meaning] of EXIT_TABLE) {
        expect(text).toMatch(new RegExp(`\\s${code} `));
        expect(text.toLowerCase()).toContain(flat(meaning).toLowerCase());
      }
      for (const section of ["SYNOPSIS", "DESCRIPTION", "COMMANDS", "EXIT STATUS", "FILES"])
        expect(text).toContain(` ${section} `);
      for (const word of [
        "/etc/cleanup/rules.yaml",
        "/etc/cleanup/env",
        "/var/lib/cleanup/",
        "CLEANUP_CONFIG",
        "NO_COLOR",
        "cleanup-rules(5)",
        "systemd.timer(5)",
      ])
        expect(text).toContain(word);
    },
  );

  it("keeps dashes as minus signs (copyable options) and no-break spaces unbroken", () => {
    expect(commandPage).toContain("\\fB\\-\\-allow\\-untrusted\\-config\\fR");
    expect(commandPage).toContain("0\\~OK, 1\\~WARNING");
    expect(commandPage).not.toMatch(/[^\\]--/);
  });
});

describe("cleanup-rules(5)", () => {
  const schema = JSON.parse(readFileSync(join(ROOT, "rules.schema.json"), "utf8")) as {
    properties: Record<string, unknown>;
  };
  const keys = Object.keys(schema.properties);

  it("names every top-level key of the schema", () => {
    expect(keys.sort()).toEqual([
      "alerts",
      "files",
      "protect",
      "rules",
      "services",
      "settings",
      "thresholds",
      "version",
    ]);
    const text = rendered(rulesPage)?.text ?? rulesPage;
    for (const key of keys) expect(text).toMatch(new RegExp(`\\b${key}\\b`));
    // Each with a section of its own, but alerts (the README's "Alerts" section) and version.
    for (const key of keys.filter((k) => k !== "alerts" && k !== "version"))
      expect(rulesPage).toContain(`\n.SH\n${key}\n`);
  });

  it("is the README's section, whole: every subsection a section of the page", () => {
    const section = readmeSection(README, "Rules reference");
    const headings = [...section.matchAll(/^(#{3,4}) (.*)$/gm)].map((m) => [m[1], m[2]]);
    expect(headings.length).toBeGreaterThan(5);
    for (const [hashes, title] of headings)
      expect(rulesPage).toContain(`\n.${hashes === "###" ? "SH" : "SS"}\n${inline(title!)}\n`);
    expect(section).not.toMatch(/^## /m);
  });

  it.skipIf(!existsSync(GROFF))("renders without a groff warning", () => {
    expect(rendered(rulesPage)!.warnings).toBe("");
  });
});

describe("markdown to roff", () => {
  const roff = (md: string) => markdownToRoff(md, { sectionDepth: 3 });

  it("headings, paragraphs joined, lists, and a fenced block kept line by line", () => {
    expect(
      roff(
        "### Top\n\nOne\ntwo.\n\n#### Sub\n\n- a\n  continued\n- b\n\n1. first\n\n```\n.x  y\n```\n",
      ),
    ).toEqual([
      ".SH",
      "Top",
      ".PP",
      "One two.",
      ".SS",
      "Sub",
      ".IP \\(bu 2",
      "a continued",
      ".IP \\(bu 2",
      "b",
      ".IP 1. 4",
      "first",
      ".PP",
      ".RS 4",
      ".nf",
      "\\&.x  y",
      ".fi",
      ".RE",
    ]);
  });

  it("a table becomes tagged paragraphs, each cell under its header past two columns", () => {
    expect(
      roff("| key | default | meaning |\n| --- | --- | --- |\n| `a` | `1` | x \\| y |\n"),
    ).toEqual([".TP", "\\fBa\\fR", "\\fIdefault\\fR: \\fB1\\fR", ".br", "\\fImeaning\\fR: x | y"]);
    expect(roff("| a | b |\n|---|---|\n| `x|y` | z |")).toEqual([".TP", "\\fBx|y\\fR", "z"]);
  });

  it("inline: code and bold in bold, italics, links (an anchor's text only), roff escapes", () => {
    expect(inline("`--x` **b** _spared_ and snake_case_name")).toBe(
      "\\fB\\-\\-x\\fR \\fBb\\fR \\fIspared\\fR and snake_case_name",
    );
    expect(inline("[RE2 syntax](#patterns) and [RE2](https://example.org/re2)")).toBe(
      "RE2 syntax and RE2 (https://example.org/re2)",
    );
    expect(inline("a \\\\ b — c… ✓")).toBe("a \\e b \\(em c... \\[u2713]");
    expect(escape(".starts with a dot")).toBe(".starts with a dot");
    expect(roff("'quoted start")).toEqual([".PP", "\\&'quoted start"]);
  });
});

describe("the build's pages", () => {
  it("are the two pages, by file name", () => {
    expect(manPages(README, "1.0.0").map((p) => p.file)).toEqual(["cleanup.1", "cleanup-rules.5"]);
  });
});
