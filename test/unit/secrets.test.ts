import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveSecret } from "../../src/alerts/secrets.js";

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
});
