// A configured sink, ready to send digests: its plug-in (src/sinks/) built at each send with its
// secrets resolved then, so a missing secret fails that sink's delivery, not the whole run.
// send(digest, signal) resolves once the receiver took the digest and rejects with
// "<sink name>: <why>" otherwise. Every sink but the log has its own timeout on top of the
// caller's signal, so one dead receiver costs its timeout, not the run.
import { errorMessage } from "../net/errors.js";
import { sinkPlugin, type SinkConfig } from "../sinks/registry.js";
import { messageOf } from "./message.js";
import { readSecretFile, resolveSecret } from "./secrets.js";
import type { Sink } from "./types.js";

export interface SinkOptions {
  env: NodeJS.ProcessEnv;
  /** Default readSecretFile: a regular file of at most 64 KiB that, as root, only root can write. */
  readFile?: (path: string) => string;
  /** settings.trust_paths: secret files accepted as root whoever owns or can write them. */
  trustPaths?: readonly string[];
  /** Where the log sink writes (default process.stderr: stdout carries the report). */
  logStream?: NodeJS.WritableStream;
  /** The clock of Alertmanager's endsAt. */
  now?: () => Date;
}

/** A sink could not deliver; the message starts with the sink's name. */
export class SinkError extends Error {
  constructor(
    readonly sink: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${sink}: ${reason}`, options);
    this.name = "SinkError";
  }
}

export function createSink(config: SinkConfig, options: SinkOptions): Sink {
  const plugin = sinkPlugin(config.type);
  const readFile =
    options.readFile ?? ((path: string) => readSecretFile(path, options.trustPaths ?? []));
  const now = options.now ?? (() => new Date());
  const context = { logStream: options.logStream ?? process.stderr };
  return {
    name: config.name,
    type: config.type,
    async send(digest, signal) {
      try {
        // In the order the plug-in lists them: the first missing one is the one named.
        const secrets: Record<string, string> = {};
        for (const [name, ref] of Object.entries(plugin.secrets(config))) {
          secrets[name] = resolveSecret(ref, options.env, readFile);
        }
        const send = plugin.build(config, secrets, context);
        await send(messageOf(digest, now), signal);
      } catch (error) {
        throw new SinkError(config.name, errorMessage(error), { cause: error });
      }
    },
  };
}
