// roff for man pages, the little of it both pages use: escaped text, fonts, and request lines.
// Pages are written in ASCII: every other character becomes a groff glyph name, so no input
// encoding (preconv, a locale) decides how the page renders.

/**
 * The README's typographic characters by the names groff knows on every terminal device (man in
 * the C locale renders with latin1, where U+2026 has no glyph: three dots instead).
 */
const GLYPHS: Record<string, string> = {
  "\u2026": "...",
  "\u2014": "\\(em",
  "\u2013": "\\(en",
  "\u2212": "\\(mi",
  "\u2192": "\\(->",
  "\u00f7": "\\(di",
  "\u00d7": "\\(mu",
  "\u00a7": "\\(sc",
};

/**
 * Text for a roff text line: backslashes and dashes escaped (`\-` keeps `--dry-run` a minus that
 * can be copied, not a typographic hyphen), a no-break space held (`\~`), any other non-ASCII
 * character named (GLYPHS, else \[uXXXX]). A line starting with `.` or `'` would be a request: `\&` in front.
 */
export function escape(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === "\\") out += "\\e";
    else if (char === "-") out += "\\-";
    else if (char === "\u00a0") out += "\\~";
    else if (code < 0x20 && char !== "\t") out += " ";
    else if (GLYPHS[char] !== undefined) out += GLYPHS[char];
    else if (code > 0x7e) out += `\\[u${code.toString(16).toUpperCase().padStart(4, "0")}]`;
    else out += char;
  }
  return out;
}

/** A text line: never mistaken for a request. */
export function textLine(escaped: string): string {
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

export const bold = (escaped: string): string => `\\fB${escaped}\\fR`;
export const italic = (escaped: string): string => `\\fI${escaped}\\fR`;

/**
 * The header of a page. Filled text is left-aligned and never hyphenated, so an option such as
 * `--allow-untrusted-config` is never broken where a reader (or a test) would not find it.
 */
export function pageHeader(title: string, section: number, source: string, manual: string) {
  return [`.TH ${title} ${section} "" "${escape(source)}" "${escape(manual)}"`, ".nh", ".ad l"];
}

/** A section heading: the title on its own line, so it needs no quoting. */
export function heading(level: "SH" | "SS", title: string): string[] {
  return [`.${level}`, textLine(escape(title))];
}

/** A tagged paragraph: the tag (already roff), then its escaped body lines. */
export function tagged(tag: string, body: readonly string[]): string[] {
  return [".TP", textLine(tag), ...body.map(textLine)];
}

/** Man pages end with a newline and no blank lines (a blank line is a paragraph break in roff). */
export function page(lines: readonly string[]): string {
  return `${lines.join("\n")}\n`;
}
