import { ARGV_EXCERPT_CHARS, argvExcerpt, cutMarker } from "./argv-excerpt.js";

/**
 * A process's command line as shown to a person (report, status, mails, the log): control
 * characters escaped. Any user's process chooses its own argv, and a newline or an escape
 * sequence in it must not forge a line of the report or clear the operator's terminal.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/**
 * argv joined by spaces, or [comm] for a process without one (a kernel thread, a zombie); at
 * most `max` characters (ARGV_EXCERPT_CHARS unless given), cut with "…", and a command line the
 * scan or the excerpt cut ends in its marker, "…[cut: 1048576 bytes]", kept within `max`.
 */
export function displayCommand(
  p: {
    argv: readonly string[] | null;
    comm: string;
    argvTruncated?: boolean;
    argvBytes?: number;
  },
  max: number = ARGV_EXCERPT_CHARS,
): string {
  // One character more than fits, so that a cut shows.
  const shown = p.argv && p.argv.length > 0 ? argvExcerpt(p.argv, undefined, max + 1).argv : [];
  const command = printable(shown.length > 0 ? shown.join(" ") : `[${p.comm}]`);
  const marker = cutMarker(p);
  if (command.length + marker.length <= max) return command + marker;
  return marker
    ? `${command.slice(0, Math.max(0, max - marker.length))}${marker}`
    : `${command.slice(0, max - 1)}…`;
}

/**
 * A URL as shown to a person or written to JSON, alerts and state: without the `user:password@`
 * of its authority (the probe itself still sends them). The raw text is cut first, so a URL
 * that does not parse loses its credentials too; the parser then catches what it would read as
 * credentials where the text alone does not show them.
 */
export function displayUrl(text: string): string {
  const cut = text.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/?#\\]*@/, "$1");
  let url: URL;
  try {
    url = new URL(cut);
  } catch {
    return cut;
  }
  if (url.username === "" && url.password === "") return cut;
  url.username = "";
  url.password = "";
  return url.href;
}
