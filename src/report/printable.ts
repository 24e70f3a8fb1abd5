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

/** argv joined by spaces, or [comm] for a process without one (a kernel thread, a zombie). */
export function displayCommand(p: { argv: readonly string[] | null; comm: string }): string {
  return printable(p.argv && p.argv.length > 0 ? p.argv.join(" ") : `[${p.comm}]`);
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
