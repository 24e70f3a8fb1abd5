// Fields several sinks share: a secret as written → where it comes from, and the network timeout.
import type { NormaliseKit, RawSecret, SecretRef } from "./types.js";

/** Of a sink that talks to a server, unless its `timeout:` says otherwise. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export function secretRef(raw: RawSecret): SecretRef {
  return typeof raw === "string" ? { value: raw } : raw;
}

export function timeoutMs(raw: string | undefined, kit: NormaliseKit): number {
  return raw !== undefined ? kit.ms(raw) : DEFAULT_TIMEOUT_MS;
}
