// Sinks as the config describes them (after validation). Secrets never need to be in rules.yaml:
// each may come from an environment variable or a file instead.

/** Where a secret comes from. `value` is allowed but discouraged (rules.yaml is often world-readable). */
export type SecretRef = { env: string } | { file: string } | { value: string };

export interface LogSinkConfig {
  type: "log";
  name: string;
}

export interface EmailSinkConfig {
  type: "email";
  name: string;
  host: string;
  port: number;
  /** starttls: plain connection upgraded (port 587); tls: TLS from the start (465); none: neither. */
  security: "starttls" | "tls" | "none";
  username?: string;
  password?: SecretRef;
  from: string;
  to: string[];
  timeoutMs: number;
}

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

export type SinkConfig =
  LogSinkConfig | EmailSinkConfig | WebhookSinkConfig | AlertmanagerSinkConfig;
