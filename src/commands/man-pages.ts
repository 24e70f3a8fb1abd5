// The two man pages, for scripts/man.mjs (the build): cleanup(1) from the command table,
// cleanup-rules(5) from the README. Bundled and run at build time only; the CLI never loads it.
import { renderCommandMan } from "./man-page.js";
import { renderRulesMan } from "./rules-man.js";
import type { CommandSpec } from "./spec.js";
import { COMMANDS, PROGRAM } from "./table.js";

export interface ManPage {
  /** The file name, whose suffix is the section (npm installs "man" files by it). */
  readonly file: string;
  readonly text: string;
}

export function manPages(readme: string, version: string): ManPage[] {
  return [
    {
      file: "cleanup.1",
      text: renderCommandMan(PROGRAM, COMMANDS as readonly CommandSpec[], version),
    },
    { file: "cleanup-rules.5", text: renderRulesMan(readme, version) },
  ];
}
