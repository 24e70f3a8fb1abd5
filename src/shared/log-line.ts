// The one shape of every log line the agent writes (the log sink's notifications, a run's
// warnings, the daemon's events), on stderr; stdout carries the report only. Not a terminal:
//
//   {"level":"warn","time":"2026-12-02T14:35:25.123Z",…fields,"summary":"…"}
//
// level is a name (pino's, plus "notice"), time ISO 8601, summary one readable sentence; the
// fields (never named level, time or summary) say the rest. pino renders it, into memory: the
// caller writes the text itself and so knows when it is out. Under journald (see journald.ts)
// each line starts with its syslog priority, `<4>{"level":"warn",…}`, which journald strips and
// keeps as PRIORITY, so `journalctl -p warning` finds it. On a terminal: one readable line each.
import { writesToJournal } from "./journald.js";

export type LogLevel = "error" | "warn" | "notice" | "info" | "debug";

/** syslog(3) priorities, as journald's PRIORITY field and `journalctl -p` name them. */
export const SYSLOG_PRIORITY: Readonly<Record<LogLevel, number>> = {
  error: 3, // err: a run failed or was killed, processes that could not be killed
  warn: 4, // warning: a state file problem, a sink that failed (retried next run), a warn alert
  notice: 5, // notice: processes killed, as intended
  info: 6, // info: everything else
  debug: 7,
};

export interface LogEntry {
  level: LogLevel;
  summary: string;
  /** The JSON line's fields besides level, time and summary, in this order. */
  fields?: Record<string, unknown>;
  /** When it happened (ISO 8601): the clock a terminal line shows (default: now). */
  at?: string;
  /** Before the summary on a terminal only, e.g. "resolved: ". */
  prefix?: string;
}

/** Renders entries for one stream: JSON lines (prefixed under journald) or terminal lines. */
export type LogRender = (entries: readonly LogEntry[]) => string;

/** `<N>`: journald strips it and records PRIORITY=N. */
export function priorityPrefix(level: LogLevel): string {
  return `<${SYSLOG_PRIORITY[level]}>`;
}

let jsonFormat: Promise<(entry: LogEntry) => string> | undefined;

/**
 * pino, loaded on first use (most runs log nothing; see sinks/log.ts for its cost), set up to
 * write the shape above into a string.
 */
function loadJsonFormat(): Promise<(entry: LogEntry) => string> {
  // `default`, not `{ pino }`: a CommonJS package in a chunk of the split bundle
  // (scripts/build.mjs) exports only module.exports, as default; Node gives both.
  jsonFormat ??= import("pino").then(({ default: pino }) => {
    let line = "";
    const logger = pino<"notice">(
      {
        base: null,
        messageKey: "summary",
        customLevels: { notice: 35 },
        timestamp: pino.stdTimeFunctions.isoTime,
        // "warn" reads better than 40 in journalctl and grep.
        formatters: { level: (label) => ({ level: label }) },
        level: "debug",
      },
      { write: (text: string) => void (line = text) },
    );
    return (entry: LogEntry): string => {
      line = "";
      logger[entry.level](entry.fields ?? {}, entry.summary);
      return line;
    };
  });
  return jsonFormat;
}

/** The renderer for `stream`: decided once, from the stream and the environment. */
export async function logRenderFor(
  stream: NodeJS.WritableStream,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LogRender> {
  if ((stream as { isTTY?: boolean }).isTTY) return (entries) => entries.map(terminalLine).join("");
  const json = await loadJsonFormat();
  const journal = writesToJournal(stream, env);
  return (entries) =>
    entries.map((e) => (journal ? priorityPrefix(e.level) : "") + json(e)).join("");
}

/** HH:MM:SS LEVEL prefix summary: for a person at the terminal. */
export function terminalLine(entry: LogEntry): string {
  const level = entry.level.toUpperCase().padEnd(5);
  return `${clock(entry.at)} ${level} ${entry.prefix ?? ""}${entry.summary}\n`;
}

/** HH:MM:SS in local time, as a person at the terminal reads the clock. */
function clock(iso: string | undefined): string {
  const date = iso === undefined ? new Date() : new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toTimeString().slice(0, 8);
}

/**
 * A synchronous line writer for a process that logs as it goes (the daemon): the renderer is
 * loaded once, up front. Each entry is one write; a failing stream is the caller's to watch.
 */
export async function openLog(
  stream: NodeJS.WritableStream,
  env: NodeJS.ProcessEnv = process.env,
): Promise<(entry: LogEntry) => void> {
  const render = await logRenderFor(stream, env);
  return (entry) => void stream.write(render([entry]));
}

/**
 * Plain text at one level (an error message of several lines, not a log line): under journald
 * each line carries the priority (journald splits on newlines), anywhere else it is unchanged.
 */
export function plainText(
  text: string,
  level: LogLevel,
  stream: NodeJS.WritableStream,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (!writesToJournal(stream, env)) return text;
  return text
    .split("\n")
    .map((line) => (line === "" ? line : priorityPrefix(level) + line))
    .join("\n");
}
