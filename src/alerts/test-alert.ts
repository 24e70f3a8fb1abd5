// `cleanup alert test`: a test message through each sink, straight (not through the outbox), so
// an operator sees at once which sink works and why one does not.
import { hostname } from "node:os";
import { sendWithin, sinkDeadlineMs } from "./deliver.js";
import type { SinkConfig } from "../sinks/registry.js";
import { createSink } from "./create-sink.js";
import type { Digest } from "./types.js";

export async function sendTestAlerts(
  sinks: readonly SinkConfig[],
  configFile: string,
  trustPaths: readonly string[] = [],
  now = new Date(),
): Promise<{ sink: string; type: SinkConfig["type"]; error?: string }[]> {
  const host = hostname();
  const at = now.toISOString();
  const digest: Digest = {
    host,
    runAt: at,
    test: true,
    notifications: [
      {
        id: `test@${at}`,
        key: "test",
        status: "event",
        reminder: false,
        severity: "info",
        summary: `test alert from cleanup on ${host}`,
        details: [`sent by 'cleanup alert test' with ${configFile}`],
        labels: { alertname: "CleanupTest" },
        host,
        startsAt: at,
        createdAt: at,
      },
    ],
    open: [],
    dropped: 0,
  };
  return Promise.all(
    sinks.map(async (config) => {
      try {
        const sink = createSink(config, {
          env: process.env,
          logStream: process.stderr, // stdout carries the per-sink results
          trustPaths,
        });
        await sendWithin(sink, digest, sinkDeadlineMs(config));
        return { sink: config.name, type: config.type };
      } catch (error) {
        return { sink: config.name, type: config.type, error: (error as Error).message };
      }
    }),
  );
}
