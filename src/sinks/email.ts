// The e-mail sink: one plain-text mail per digest through an SMTP server, with nodemailer.
//
// nodemailer is imported when the sink sends, not with this module: most runs send nothing.
// Measured here (Node 20, RSS after `import()` in a fresh process): +15 MiB from node_modules; in
// the esbuild bundle (CommonJS builds, see scripts/bundle-options.mjs) +7.2 MiB when loaded,
// +0.4 MiB when never loaded.
import { z } from "zod";
import { socketReason } from "../net/errors.js";
import { abortable, timeoutOr, withTimeout } from "../net/signals.js";
import { secretRef, timeoutMs } from "./fields.js";
import type { SchemaKit, SecretRef, SinkMessage, SinkPlugin } from "./types.js";

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

const DEFAULT_PORTS = { starttls: 587, tls: 465, none: 25 } as const;

const schema = (kit: SchemaKit) =>
  z.strictObject({
    name: kit.name,
    type: z.literal("email"),
    host: z.string({ error: kit.typeError("the SMTP server's host name") }),
    port: z
      .number({ error: kit.typeError("a port number") })
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe("Default 587 (starttls), 465 (tls), 25 (none)."),
    security: z
      .enum(["starttls", "tls", "none"], {
        error: "unknown security; expected starttls, tls or none",
      })
      .optional()
      .describe("Default starttls."),
    username: z.string({ error: kit.typeError("a user name") }).optional(),
    password: kit.secret
      .optional()
      .describe("Better { env: VARIABLE } or { file: PATH } than inline."),
    from: z.string({ error: kit.typeError("a sender address") }),
    to: z.union([z.string(), z.array(z.string()).min(1)], {
      error: "wrong type; expected an address or a list of addresses",
    }),
    timeout: kit.duration.optional().describe("Default 10s."),
  });

export const emailSink = {
  type: "email",
  capabilities: { repostsOpenAlerts: false },
  schema,
  normalise(raw: z.output<ReturnType<typeof schema>>, kit): EmailSinkConfig {
    const security = raw.security ?? "starttls";
    return {
      type: "email",
      name: raw.name,
      host: raw.host,
      port: raw.port ?? DEFAULT_PORTS[security],
      security,
      ...(raw.username !== undefined && { username: raw.username }),
      ...(raw.password !== undefined && { password: secretRef(raw.password) }),
      from: raw.from,
      to: Array.isArray(raw.to) ? raw.to : [raw.to],
      timeoutMs: timeoutMs(raw.timeout, kit),
    };
  },
  secrets: (config: EmailSinkConfig): Record<string, SecretRef> =>
    config.password ? { password: config.password } : {},
  build: (config: EmailSinkConfig, secrets) => (message, signal) =>
    sendEmail(config, secrets.password ?? "", message, signal),
} satisfies SinkPlugin<ReturnType<typeof schema>, EmailSinkConfig>;

async function sendEmail(
  config: EmailSinkConfig,
  password: string,
  message: SinkMessage,
  signal: AbortSignal,
): Promise<void> {
  const deadline = withTimeout(signal, config.timeoutMs);
  const auth =
    config.username === undefined ? undefined : { user: config.username, pass: password };
  const { default: nodemailer } = await import("nodemailer");
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    // tls: TLS from the first byte (465). starttls: plain, then upgraded, and never sent in
    // the clear if the server does not offer STARTTLS. none: never upgraded, even if offered.
    secure: config.security === "tls",
    requireTLS: config.security === "starttls",
    ignoreTLS: config.security === "none",
    ...(auth && { auth }),
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
  });
  const mail = message.mail();
  // nodemailer ≥ 10.5 takes a signal per message and closes that message's connection on
  // abort (@types/nodemailer 8 does not know it yet).
  const envelope: Parameters<typeof transport.sendMail>[0] & { signal: AbortSignal } = {
    from: config.from,
    to: config.to,
    subject: mail.subject,
    text: mail.text,
    ...(mail.messageId !== undefined && { messageId: mail.messageId }),
    ...(mail.headers !== undefined && { headers: mail.headers }),
    signal: deadline,
  };
  try {
    await abortable(transport.sendMail(envelope), deadline);
  } catch (error) {
    const failure = timeoutOr(error, signal, deadline, config.timeoutMs);
    // A socket or TLS error (nodemailer keeps its errno as originalCode) in the words the HTTP
    // sinks and health probes use; nodemailer's own (SMTP replies, its timeouts) stay as said.
    const words =
      failure === error && hasOriginalCode(error) ? socketReason(error, config) : undefined;
    throw words === undefined ? failure : new Error(words, { cause: error });
  } finally {
    transport.close();
  }
}

function hasOriginalCode(error: unknown): boolean {
  return typeof (error as { originalCode?: unknown } | null)?.originalCode === "string";
}
