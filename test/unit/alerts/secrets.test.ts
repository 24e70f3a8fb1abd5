import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_SECRET_BYTES, readSecretFile, resolveSecret } from "../../../src/alerts/secrets.js";
import { createSink } from "../../../src/alerts/create-sink.js";
import type { Digest } from "../../../src/alerts/types.js";

const dir = mkdtempSync(join(tmpdir(), "cleanup-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const read = (path: string): string => readFileSync(path, "utf8");

describe("resolveSecret", () => {
  it("from an environment variable", () => {
    expect(resolveSecret({ env: "SMTP_PASSWORD" }, { SMTP_PASSWORD: "hunter2" }, read)).toBe(
      "hunter2",
    );
  });

  it("a missing or empty variable names the variable, not a value", () => {
    expect(() => resolveSecret({ env: "SMTP_PASSWORD" }, {}, read)).toThrow(
      "environment variable SMTP_PASSWORD is not set",
    );
    expect(() => resolveSecret({ env: "SMTP_PASSWORD" }, { SMTP_PASSWORD: "" }, read)).toThrow(
      "environment variable SMTP_PASSWORD is empty",
    );
  });

  it("from a file, without its trailing newline", () => {
    const path = join(dir, "token");
    writeFileSync(path, "s3cr3t value\n");
    expect(resolveSecret({ file: path }, {}, read)).toBe("s3cr3t value");
    writeFileSync(path, "crlf\r\n");
    expect(resolveSecret({ file: path }, {}, read)).toBe("crlf");
    // Only line ends are trimmed: spaces may be part of a secret.
    writeFileSync(path, " padded \n\n");
    expect(resolveSecret({ file: path }, {}, read)).toBe(" padded ");
  });

  it("an unreadable or empty file names the file, never its content", () => {
    const missing = join(dir, "missing");
    expect(() => resolveSecret({ file: missing }, {}, read)).toThrow(
      new RegExp(`^cannot read secret file ${missing}: ENOENT`),
    );
    const empty = join(dir, "empty");
    writeFileSync(empty, "\n");
    expect(() => resolveSecret({ file: empty }, {}, read)).toThrow(`secret file ${empty} is empty`);
  });

  it("the readFile passed in is the one used", () => {
    const files: Record<string, string> = {
      "/run/secrets/hook": "https://hooks.example/T0/B0/x\n",
    };
    const fake = (path: string): string => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    };
    expect(resolveSecret({ file: "/run/secrets/hook" }, {}, fake)).toBe(
      "https://hooks.example/T0/B0/x",
    );
  });

  it("an inline value as it is; empty refused", () => {
    expect(resolveSecret({ value: "inline" }, {}, read)).toBe("inline");
    expect(() => resolveSecret({ value: "" }, {}, read)).toThrow("secret value is empty");
  });

  it.runIf(process.geteuid?.() === 0)(
    "as root, a secret file another user owns is never read, unless under settings.trust_paths",
    () => {
      const path = join(dir, "foreign-token");
      writeFileSync(path, "stolen-destination\n");
      chownSync(path, 65534, 65534);
      const trusted = (p: string) => readSecretFile(p, []);
      expect(() => resolveSecret({ file: path }, {}, trusted)).toThrow(
        new RegExp(`^cannot read secret file ${path}: refused: owned by uid 65534\\b.*mode 0644`),
      );
      expect(resolveSecret({ file: path }, {}, (p) => readSecretFile(p, [dir]))).toBe(
        "stolen-destination",
      );
    },
  );

  it("a secret file over 64 KiB or not a regular file is refused", () => {
    const big = join(dir, "big-token");
    writeFileSync(big, "x".repeat(MAX_SECRET_BYTES + 1));
    expect(() => resolveSecret({ file: big }, {}, (p) => readSecretFile(p, []))).toThrow(
      `cannot read secret file ${big}: too large (${MAX_SECRET_BYTES + 1} bytes, at most ${MAX_SECRET_BYTES})`,
    );
    expect(() => resolveSecret({ file: "/dev/zero" }, {}, (p) => readSecretFile(p, []))).toThrow(
      "cannot read secret file /dev/zero: not a regular file (a character device)",
    );
  });

  it.runIf(process.geteuid?.() === 0)(
    "a sink whose secret file became untrusted fails its delivery, naming file, owner and mode",
    async () => {
      const path = join(dir, "hook-url");
      writeFileSync(path, "https://hooks.example/x\n");
      chownSync(path, 65534, 65534);
      const config = {
        type: "webhook" as const,
        name: "hook",
        url: { file: path },
        format: "json" as const,
        headers: {},
        timeoutMs: 1000,
      };
      const digest: Digest = {
        host: "h",
        runAt: "t",
        test: true,
        notifications: [],
        open: [],
        dropped: 0,
      };
      await expect(
        createSink(config, { env: {} }).send(digest, new AbortController().signal),
      ).rejects.toThrow(
        new RegExp(`^hook: cannot read secret file ${path}: refused: owned by uid 65534`),
      );
      // Trusted by settings.trust_paths, it is read (and then refused as not http(s) here: the
      // point is that it was read).
      writeFileSync(path, "ftp://x\n");
      await expect(
        createSink(config, { env: {}, trustPaths: [path] }).send(
          digest,
          new AbortController().signal,
        ),
      ).rejects.toThrow("hook: the webhook URL is not an http(s) URL");
    },
  );
});
