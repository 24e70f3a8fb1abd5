// Secrets of the sinks (SMTP password, webhook URL, Authorization header), resolved when a sink
// sends, not when the config loads: a missing secret fails that sink's delivery, not the run.
// Error messages name where the secret was looked for, never the secret itself: they end up in
// reports, logs and the outbox.
// A secret file is read like the rules file (config/trusted-file.ts): only a regular file, at most
// MAX_SECRET_BYTES, and as root only one that no other user owns or can write (unless it is under
// settings.trust_paths): whoever could write it would choose where root sends the alerts.
import { readTrustedFile, UntrustedFileError } from "../config/trusted-file.js";
import type { SecretRef } from "../sinks/types.js";

/** A password, token or URL is a few hundred bytes; 64 KiB leaves room for a certificate-sized one. */
export const MAX_SECRET_BYTES = 64 * 1024;

export function readSecretFile(path: string, trustPaths: readonly string[]): string {
  return readTrustedFile(path, MAX_SECRET_BYTES, { trustPaths }).toString("utf8");
}

export function resolveSecret(
  ref: SecretRef,
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string,
): string {
  if ("env" in ref) {
    const value = env[ref.env];
    if (value === undefined) throw new Error(`environment variable ${ref.env} is not set`);
    if (value === "") throw new Error(`environment variable ${ref.env} is empty`);
    return value;
  }
  if ("file" in ref) {
    let text: string;
    try {
      text = readFile(ref.file);
    } catch (error) {
      // fs errors name the path and the errno ("ENOENT: no such file or directory, open …").
      const reason = error instanceof UntrustedFileError ? error.reason : (error as Error).message;
      throw new Error(`cannot read secret file ${ref.file}: ${reason}`, { cause: error });
    }
    // `echo secret > file` and most editors end the file with a newline that is not the secret's.
    const value = text.replace(/(?:\r?\n)+$/, "");
    if (value === "") throw new Error(`secret file ${ref.file} is empty`);
    return value;
  }
  if (ref.value === "") throw new Error("secret value is empty");
  return ref.value;
}
