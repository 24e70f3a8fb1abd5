// The webhook sink: the digest as versioned JSON, or as one text for Slack and Mattermost
// incoming webhooks, POSTed to a URL that is a secret (Slack's carries its token).
import { z } from "zod";
import { postJson } from "./http-post.js";
import { secretRef, timeoutMs } from "./fields.js";
import type { SchemaKit, SecretRef, SinkPlugin } from "./types.js";

export interface WebhookSinkConfig {
  type: "webhook";
  name: string;
  url: SecretRef;
  /** json: the digest as JSON; slack: {"text": …} as Slack and Mattermost incoming webhooks take. */
  format: "json" | "slack";
  /** Extra headers, e.g. Authorization; values may be secrets. */
  headers: Record<string, SecretRef>;
  timeoutMs: number;
}

const schema = (kit: SchemaKit) =>
  z.strictObject({
    name: kit.name,
    type: z.literal("webhook"),
    url: kit.secret.describe("A URL, or { env: VARIABLE } / { file: PATH } when it holds a token."),
    format: z
      .enum(["json", "slack"], { error: "unknown format; expected json or slack" })
      .optional()
      .describe("Default json."),
    headers: z
      .record(z.string(), kit.secret, {
        error: kit.typeError("a mapping of header names to values"),
      })
      .optional(),
    timeout: kit.duration.optional().describe("Default 10s."),
  });

/** The secrets' names: the URL, then each header's. */
const URL_SECRET = "url";
const headerSecret = (name: string): string => `header:${name}`;

export const webhookSink = {
  type: "webhook",
  capabilities: { repostsOpenAlerts: false },
  schema,
  normalise: (raw: z.output<ReturnType<typeof schema>>, kit): WebhookSinkConfig => ({
    type: "webhook",
    name: raw.name,
    url: secretRef(raw.url),
    format: raw.format ?? "json",
    headers: Object.fromEntries(
      Object.entries(raw.headers ?? {}).map(([k, v]) => [k, secretRef(v)]),
    ),
    timeoutMs: timeoutMs(raw.timeout, kit),
  }),
  secrets(config: WebhookSinkConfig): Record<string, SecretRef> {
    const refs: Record<string, SecretRef> = { [URL_SECRET]: config.url };
    for (const [name, ref] of Object.entries(config.headers)) refs[headerSecret(name)] = ref;
    return refs;
  },
  build(config: WebhookSinkConfig, secrets) {
    // The URL is a secret: it never goes into an error message.
    const raw = secrets[URL_SECRET] ?? "";
    const url = URL.canParse(raw) ? new URL(raw) : undefined;
    if (!url || !/^https?:$/.test(url.protocol)) {
      throw new Error("the webhook URL is not an http(s) URL");
    }
    const headers: Record<string, string> = {};
    for (const name of Object.keys(config.headers))
      headers[name] = secrets[headerSecret(name)] ?? "";
    return (message, signal) =>
      postJson(
        url,
        config.format === "json" ? message.document() : { text: message.chatText() },
        headers,
        signal,
        config.timeoutMs,
      );
  },
} satisfies SinkPlugin<ReturnType<typeof schema>, WebhookSinkConfig>;
