// cleanup-rules(5): the README's "Rules reference" section as a man page, so the reference is
// written once (in the README, where it is reviewed) and the page cannot drift from it.
import { markdownToRoff } from "./markdown-roff.js";
import { bold, escape, heading, italic, page, pageHeader, textLine } from "./roff.js";

export const RULES_SECTION = "Rules reference";

/** The markdown between `## Rules reference` and the next `## ` heading (outside code blocks). */
export function readmeSection(readme: string, title: string): string {
  const lines = readme.replace(/\r\n?/g, "\n").split("\n");
  const start = lines.findIndex((l) => l.trim() === `## ${title}`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  let fenced = false;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i += 1) {
    if (/^\s*(```|~~~)/.test(lines[i]!)) fenced = !fenced;
    if (!fenced && /^##?\s/.test(lines[i]!)) {
      end = i;
      break;
    }
  }
  return lines.slice(start + 1, end).join("\n");
}

export function renderRulesMan(readme: string, version: string): string {
  const body = markdownToRoff(readmeSection(readme, RULES_SECTION), { sectionDepth: 3 });
  return page([
    ...pageHeader("CLEANUP-RULES", 5, `cleanup ${version}`, "File Formats"),
    ...heading("SH", "NAME"),
    "cleanup\\-rules \\- the rules file of cleanup: what to kill, protect, measure and alert on",
    ...heading("SH", "SYNOPSIS"),
    textLine(italic(escape("/etc/cleanup/rules.yaml"))),
    ...heading("SH", "DESCRIPTION"),
    textLine(
      `${bold("cleanup")}(1) ${escape("reads its rules from a YAML file: --config FILE, else $CLEANUP_CONFIG, else /etc/cleanup/rules.yaml if present, else the rules.yaml the package ships.")} ${bold("cleanup check")} ${escape("validates one.")}`,
    ),
    // The section's own introduction continues DESCRIPTION; its subsections are the page's sections.
    ...body,
    ...heading("SH", "SEE ALSO"),
    `${bold("cleanup")}(1), ${bold("systemd.timer")}(5)`,
  ]);
}
