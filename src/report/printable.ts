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
