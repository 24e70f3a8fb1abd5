// The log sink: JSON lines made by pino, or on a terminal one readable line each. The default
// sink (one log sink when alerts.sinks is not given).
//
// pino is imported when the sink sends, not with this module: most runs send nothing. Measured
// here (Node 20, RSS after `import()` in a fresh process): +9 MiB from node_modules; in the
// esbuild bundle (CommonJS builds, see scripts/bundle-options.mjs) +2.0 MiB when loaded, +0.4 MiB
// when never loaded.
import { z } from "zod";
import { abortError } from "../net/signals.js";
import type { LogRecord, SchemaKit, SinkMessage, SinkPlugin } from "./types.js";

export interface LogSinkConfig {
  type: "log";
  name: string;
}

const schema = (kit: SchemaKit) => z.strictObject({ name: kit.name, type: z.literal("log") });

export const logSink = {
  type: "log",
  capabilities: { repostsOpenAlerts: false },
  schema,
  normalise: (raw: z.output<ReturnType<typeof schema>>): LogSinkConfig => ({
    type: "log",
    name: raw.name,
  }),
  secrets: () => ({}),
  build: (_config: LogSinkConfig, _secrets, context) => (message, signal) =>
    sendLog(message, signal, context.logStream),
} satisfies SinkPlugin<ReturnType<typeof schema>, LogSinkConfig>;

/**
 * pino writes into memory and the lines go to the stream in one write whose callback resolves
 * the send: by then the bytes are in the kernel (pipe, file or journald socket), so the run may
 * exit at once and nothing is lost. pino's own sonic-boom destination buffers and can lose lines
 * on exit (its docs warn about it); a sync destination needs an fd and blocks the run, with no
 * timeout, when journald stops reading. A pending write here is still abandoned when the caller
 * aborts.
 */
async function sendLog(
  message: SinkMessage,
  signal: AbortSignal,
  stream: NodeJS.WritableStream,
): Promise<void> {
  signal.throwIfAborted();
  const records = message.logRecords();
  const text = (stream as { isTTY?: boolean }).isTTY
    ? terminalLines(records)
    : await jsonLines(records);
  if (text !== "") await write(stream, text, signal);
}

async function jsonLines(records: readonly LogRecord[]): Promise<string> {
  const { pino } = await import("pino");
  const lines: string[] = [];
  const logger = pino(
    {
      base: null,
      messageKey: "summary",
      timestamp: pino.stdTimeFunctions.isoTime,
      // "warn" reads better than 40 in journalctl and grep.
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (line: string) => void lines.push(line) },
  );
  for (const r of records) logger[r.level](r.fields, r.summary);
  return lines.join("");
}

function terminalLines(records: readonly LogRecord[]): string {
  return records
    .map((r) => `${clock(r.at)} ${r.level.toUpperCase().padEnd(5)} ${r.prefix}${r.summary}\n`)
    .join("");
}

/** HH:MM:SS in local time, as a person at the terminal reads the clock. */
function clock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toTimeString().slice(0, 8);
}

function write(stream: NodeJS.WritableStream, text: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    stream.write(text, (error) => {
      signal.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve();
    });
  });
}
