// Markdown to roff, for the subset the README's reference sections use: headings, paragraphs,
// lists, tables, fenced code blocks, and inline code spans, bold, italics and links. A converter
// of this size instead of a dependency (marked-man and its marked would be the only runtime-free
// dev dependency to carry just for this); anything outside the subset still comes out as text.
import { bold, escape, italic, textLine } from "./roff.js";

export interface MarkdownRoffOptions {
  /** The heading depth that becomes .SH (`###`: 3); deeper ones become .SS, shallower .SH. */
  readonly sectionDepth: number;
}

export function markdownToRoff(markdown: string, options: MarkdownRoffOptions): string[] {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = /^(\s*)(```+|~~~+)/.exec(line);
    const headingMatch = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (line.trim() === "") {
      i += 1;
    } else if (fence) {
      const end = lines.findIndex((l, j) => j > i && l.trimStart().startsWith(fence[2]!));
      const body = lines.slice(i + 1, end < 0 ? lines.length : end);
      out.push(".PP", ".RS 4", ".nf", ...body.map((l) => textLine(escape(l))), ".fi", ".RE");
      i = end < 0 ? lines.length : end + 1;
    } else if (headingMatch) {
      const depth = headingMatch[1]!.length;
      out.push(depth > options.sectionDepth ? ".SS" : ".SH", textLine(inline(headingMatch[2]!)));
      i += 1;
    } else if (line.trimStart().startsWith("|")) {
      const rows: string[] = [];
      while (i < lines.length && lines[i]!.trimStart().startsWith("|")) rows.push(lines[i++]!);
      out.push(...table(rows));
    } else if (LIST_ITEM.test(line)) {
      while (i < lines.length && LIST_ITEM.test(lines[i]!)) {
        const [, marker, first] = LIST_ITEM.exec(lines[i]!)!;
        const item = [first!];
        i += 1;
        // Continuation lines are indented; a blank line or the next item ends the item.
        while (i < lines.length && /^\s+\S/.test(lines[i]!) && !LIST_ITEM.test(lines[i]!))
          item.push(lines[i++]!.trim());
        const ordered = /^\d/.test(marker!);
        out.push(
          ordered ? `.IP ${marker!.replace(/\)$/, ".")} 4` : ".IP \\(bu 2",
          textLine(inline(item.join(" "))),
        );
      }
    } else {
      const paragraph: string[] = [];
      while (i < lines.length && startsParagraphLine(lines[i]!)) paragraph.push(lines[i++]!.trim());
      out.push(".PP", textLine(inline(paragraph.join(" "))));
    }
  }
  return out;
}

const LIST_ITEM = /^\s{0,3}([-*+]|\d+[.)])\s+(.*)$/;

/** A line that continues a paragraph: not blank and not the start of another block. */
function startsParagraphLine(line: string): boolean {
  return (
    line.trim() !== "" &&
    !/^#{1,6}\s/.test(line) &&
    !/^\s*(```|~~~)/.test(line) &&
    !line.trimStart().startsWith("|") &&
    !LIST_ITEM.test(line)
  );
}

/**
 * A table as a list, one tagged paragraph per row: the first cell is the tag, the others follow,
 * each under its column's header when there are more than two columns. tbl would draw it as a
 * grid, but the README's tables have cells of several hundred characters that no 80-column grid
 * holds.
 */
function table(rows: readonly string[]): string[] {
  const [header, ...rest] = rows.map(cells);
  const body = rest.filter((r) => !r.every((c) => /^:?-+:?$/.test(c)));
  if (!header) return [];
  const out: string[] = [];
  for (const row of body) {
    out.push(".TP", textLine(inline(row[0] ?? "")));
    row.slice(1).forEach((cell, k) => {
      if (k > 0) out.push(".br");
      const label = header.length > 2 ? `${italic(inline(header[k + 1] ?? ""))}: ` : "";
      out.push(textLine(`${label}${inline(cell)}`));
    });
  }
  return out;
}

/** A table row's cells: split at each `|` that is neither escaped nor inside a code span. */
function cells(row: string): string[] {
  const parts: string[] = [];
  let cell = "";
  let code = false;
  const text = row.trim().replace(/^\|/, "").replace(/\|$/, "");
  for (let k = 0; k < text.length; k += 1) {
    const char = text[k]!;
    if (char === "\\" && text[k + 1] === "|") {
      cell += "|";
      k += 1;
    } else if (char === "`") {
      code = !code;
      cell += char;
    } else if (char === "|" && !code) {
      parts.push(cell.trim());
      cell = "";
    } else {
      cell += char;
    }
  }
  parts.push(cell.trim());
  return parts;
}

// A code span; **bold**; a [link](target); _italics_ or *italics* between non-word characters.
const INLINE =
  /(`+)([\s\S]*?[^`])\1(?!`)|\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)\s]+)\)|(?<![\w*])[_*](?![\s_*])(.+?)(?<!\s)[_*](?![\w*])/g;

/** Inline markdown to roff: code spans and bold in bold, italics in italics, a link's URL kept. */
export function inline(text: string): string {
  let out = "";
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    out += plain(text.slice(last, match.index));
    const [, ticks, code, strong, label, target, emphasis] = match;
    if (ticks !== undefined) out += bold(escape(code!.replace(/^ (.*) $/, "$1")));
    else if (strong !== undefined) out += bold(inline(strong));
    else if (label !== undefined)
      out += target!.startsWith("#") ? inline(label) : `${inline(label)} (${escape(target!)})`;
    else out += italic(inline(emphasis!));
    last = match.index + match[0].length;
  }
  return out + plain(text.slice(last));
}

/** Text outside any markup: markdown's backslash escapes resolved, then escaped for roff. */
function plain(text: string): string {
  return escape(text.replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, "$1"));
}
