// The agent's log lines (shared/log-line.ts's one shape) read back from a captured stderr.
export interface LogLine {
  level: string;
  time: string;
  summary: string;
  [field: string]: unknown;
}

/** Every stderr line that is a JSON object, parsed (an optional `<N>` priority prefix dropped). */
export function logLines(stderr: string): LogLine[] {
  return stderr
    .split("\n")
    .map((line) => line.replace(/^<\d>/, ""))
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);
}

/** The summaries of the warning lines, one a line: what a test matches a warning against. */
export function warnings(stderr: string): string {
  return logLines(stderr)
    .filter((l) => l.level === "warn")
    .map((l) => l.summary)
    .join("\n");
}
