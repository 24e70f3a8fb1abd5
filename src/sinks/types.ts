// What a sink plug-in is, and what it is given. Sinks sit below config/ and alerts/ (they import
// neither), so the message they send is declared here and alerts/format produces it, and the
// building blocks of their config schema (a duration, a secret) are handed to them by
// config/schema.ts. Secrets never need to be in rules.yaml: each may come from an environment
// variable or a file instead, resolved by alerts/ when the sink sends.
import type { z } from "zod";
import type { LogEntry, LogLevel } from "../shared/log-line.js";

/** Where a secret comes from. `value` is allowed but discouraged (rules.yaml is often world-readable). */
export type SecretRef = { env: string } | { file: string } | { value: string };

/** A secret as rules.yaml writes it: a string is the value itself. */
export type RawSecret = string | { env: string } | { file: string };

/** Every normalised sink config: its type, its unique name, and the sink's own fields. */
export interface SinkConfigBase {
  type: string;
  name: string;
  /** A sink with a network timeout of its own has this; delivery bounds it by the run's deadline. */
  timeoutMs?: number;
}

/** config/schema.ts's fragments, so a sink's fields read and fail like every other field. */
export interface SchemaKit {
  /** The `name` field every sink has. */
  name: z.ZodType<string, string>;
  duration: z.ZodType<string, string>;
  secret: z.ZodType<RawSecret, RawSecret>;
  /** "missing; expected X" / "wrong type; expected X". */
  typeError: (expected: string) => (issue: { input?: unknown }) => string;
}

/** What normalising a sink needs from config/: durations in ms (the schema accepted them). */
export interface NormaliseKit {
  ms(text: string): number;
}

/** What a sink can do beyond sending its message; delivery asks these, never the type. */
export interface SinkCapabilities {
  /**
   * Every open condition goes out every run, whether or not there is news: the receiver
   * (Alertmanager) resolves an alert that is not repeated within its endsAt.
   */
  repostsOpenAlerts: boolean;
}

/** Given to a sink when it is built for one send. */
export interface SinkContext {
  /** Where the log sink writes: process.stderr (stdout carries the report). */
  logStream: NodeJS.WritableStream;
}

/** Sends one message; resolves once the receiver took it, rejects with why not. */
export type SendMessage = (message: SinkMessage, signal: AbortSignal) => Promise<void>;

/**
 * A sink type. S: the zod schema of its entry in alerts.sinks; C: its normalised config.
 * Methods (not function properties) so the registry can hold every sink under one type.
 */
export interface SinkPlugin<
  S extends z.ZodType = z.ZodType,
  C extends SinkConfigBase = SinkConfigBase,
> {
  type: C["type"];
  capabilities: SinkCapabilities;
  /** Its entry in alerts.sinks, `name` and `type` included (a strict object). */
  schema(kit: SchemaKit): S;
  /** What the schema accepted → its config, defaults filled in. */
  normalise(raw: z.output<S>, kit: NormaliseKit): C;
  /** The secrets build needs, by a name of the sink's choosing; alerts/ resolves them. */
  secrets(config: C): Record<string, SecretRef>;
  /** `secrets` resolved, under the same names. Throws when the config cannot send (a bad URL). */
  build(config: C, secrets: Readonly<Record<string, string>>, context: SinkContext): SendMessage;
}

// ---------------------------------------------------------------------------------------------
// The message: what alerts/format makes of one digest, in each form a sink may send.

/** A digest, rendered on demand in the form a sink sends: a sink asks only for its own. */
export interface SinkMessage {
  host: string;
  /** A test message from `cleanup alert test`. */
  test: boolean;
  /** A plain-text e-mail. */
  mail(): MailMessage;
  /** One text for a Slack or Mattermost incoming webhook. */
  chatText(): string;
  /** The generic webhook's versioned JSON document. */
  document(): unknown;
  /** Alertmanager's POST /api/v2/alerts body; firing alerts end ttlMs from now. */
  alerts(ttlMs: number): PostableAlert[];
  /** One record per notification (and for a test, or dropped notifications), for a log. */
  logRecords(): LogRecord[];
}

export interface MailMessage {
  subject: string;
  text: string;
  /** Stable across re-sends of the same notifications, so a receiver can drop a copy. */
  messageId?: string;
  headers?: Record<string, string>;
}

/** An alert as Alertmanager's API v2 takes it (POST /api/v2/alerts). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

/** A log line of the one shape (shared/log-line.ts), with its clock and terminal prefix set. */
export interface LogRecord extends LogEntry {
  level: LogLevel;
  /** When it happened (ISO 8601): the clock a terminal line shows. */
  at: string;
  /** Before the summary on a terminal, e.g. "resolved: " (empty for a new firing alert). */
  prefix: string;
  fields: Record<string, unknown>;
}
