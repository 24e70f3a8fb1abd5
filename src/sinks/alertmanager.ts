// The Alertmanager sink: POST /api/v2/alerts of a Prometheus Alertmanager. It forgets a firing
// alert that is not re-posted within its endsAt, so it gets every open condition every run
// (capabilities.repostsOpenAlerts), and a run that stops re-posting lets them resolve on their own.
import { z } from "zod";
import { postJson } from "./http-post.js";
import { timeoutMs } from "./fields.js";
import type { SchemaKit, SinkPlugin } from "./types.js";

export interface AlertmanagerSinkConfig {
  type: "alertmanager";
  name: string;
  /** Base URL, e.g. http://127.0.0.1:9093; alerts go to <url>/api/v2/alerts. */
  url: string;
  timeoutMs: number;
  /**
   * endsAt of a firing alert: now + ttl. Each run re-posts what is open, so ttl should exceed
   * the time between runs (an hourly timer: 2h), or Alertmanager resolves it in between.
   */
  ttlMs: number;
}

const DEFAULT_TTL_MS = 2 * 3_600_000;

const schema = (kit: SchemaKit) =>
  z.strictObject({
    name: kit.name,
    type: z.literal("alertmanager"),
    url: z.string({ error: kit.typeError("Alertmanager's base URL, e.g. http://127.0.0.1:9093") }),
    timeout: kit.duration.optional().describe("Default 10s."),
    ttl: kit.duration
      .optional()
      .describe(
        "endsAt of a firing alert, re-posted each run. Default 2h: more than the time between runs.",
      ),
  });

export const alertmanagerSink = {
  type: "alertmanager",
  capabilities: { repostsOpenAlerts: true },
  schema,
  normalise: (raw: z.output<ReturnType<typeof schema>>, kit): AlertmanagerSinkConfig => ({
    type: "alertmanager",
    name: raw.name,
    url: raw.url,
    timeoutMs: timeoutMs(raw.timeout, kit),
    ttlMs: raw.ttl !== undefined ? kit.ms(raw.ttl) : DEFAULT_TTL_MS,
  }),
  secrets: () => ({}),
  build(config: AlertmanagerSinkConfig) {
    const raw = `${config.url.replace(/\/+$/, "")}/api/v2/alerts`;
    // Not a secret (no token in it): the URL may be named, unlike a webhook's.
    const url = URL.canParse(raw) ? new URL(raw) : undefined;
    if (!url || !/^https?:$/.test(url.protocol)) {
      throw new Error(`not an http(s) URL: ${config.url}`);
    }
    return (message, signal) =>
      postJson(url, message.alerts(config.ttlMs), {}, signal, config.timeoutMs);
  },
} satisfies SinkPlugin<ReturnType<typeof schema>, AlertmanagerSinkConfig>;
