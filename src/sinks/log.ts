// The log sink: a line per notification in the one log shape (shared/log-line.ts): JSON lines
// made by pino, prefixed with their syslog priority under journald, or on a terminal one readable
// line each. The default sink (one log sink when alerts.sinks is not given). It writes to the
// run's log stream, stderr: stdout carries the report.
//
// pino is imported when the sink sends, not with this module: most runs send nothing. Measured
// here (Node 20, RSS after `import()` in a fresh process): +9 MiB from node_modules; in the
// esbuild bundle (CommonJS builds, see scripts/bundle-options.mjs) +2.0 MiB when loaded, +0.4 MiB
// when never loaded.
import { z } from "zod";
import { abortError } from "../net/signals.js";
import { logRenderFor } from "../shared/log-line.js";
import type { SchemaKit, SinkMessage, SinkPlugin } from "./types.js";

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
  if (records.length === 0) return;
  const text = (await logRenderFor(stream))(records);
  if (text !== "") await write(stream, text, signal);
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
