// The textfile's I/O: <dir>/cleanup.prom replaced atomically and readable by node_exporter's
// user, and the previous run's file read back, never through a symlink, a FIFO or a directory
// planted at its name. Everything happens in a temporary directory the test made.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  TEXTFILE_NAME,
  TextfileError,
  readPreviousTextfile,
  writeTextfile,
} from "../../../src/state/textfile.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "cleanup-textfile-unit-"));
  dirs.push(d);
  return d;
}

const TEXT = "# HELP x An x.\n# TYPE x gauge\nx 1\n";

describe("writeTextfile", () => {
  it("replaces cleanup.prom, readable by others (node_exporter's user), leaving no temp file", () => {
    const dir = tempDir();
    expect(TEXTFILE_NAME).toBe("cleanup.prom");
    writeFileSync(join(dir, "cleanup.prom"), "old\n");
    writeTextfile(dir, TEXT);
    expect(readdirSync(dir)).toEqual(["cleanup.prom"]);
    expect(statSync(join(dir, "cleanup.prom")).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(dir, "cleanup.prom"), "utf8")).toBe(TEXT);
  });

  it("fails with TextfileError when the directory does not exist, and does not create it", () => {
    const dir = join(tempDir(), "missing");
    expect(() => writeTextfile(dir, "x 1\n")).toThrow(TextfileError);
    expect(() => writeTextfile(dir, "x 1\n")).toThrow(/cannot write .*missing\/cleanup\.prom/);
    expect(existsSync(dir)).toBe(false);
  });

  it("replaces a symlink planted at the name instead of writing through it", () => {
    const dir = tempDir();
    const target = join(dir, "target-of-link");
    writeFileSync(target, "not the agent's\n");
    symlinkSync(target, join(dir, "cleanup.prom"));
    writeTextfile(dir, TEXT);
    expect(lstatSync(join(dir, "cleanup.prom")).isFile()).toBe(true);
    expect(readFileSync(join(dir, "cleanup.prom"), "utf8")).toBe(TEXT);
    expect(readFileSync(target, "utf8")).toBe("not the agent's\n");
    expect(readdirSync(dir).sort()).toEqual(["cleanup.prom", "target-of-link"]);
  });

  it("fails with TextfileError over a directory at the name, leaving it and no temp file", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "cleanup.prom"));
    expect(() => writeTextfile(dir, TEXT)).toThrow(TextfileError);
    expect(statSync(join(dir, "cleanup.prom")).isDirectory()).toBe(true);
    expect(readdirSync(dir)).toEqual(["cleanup.prom"]);
  });
});

describe("readPreviousTextfile", () => {
  it("is undefined before a first run, then reads back what the previous run wrote", () => {
    const dir = tempDir();
    expect(readPreviousTextfile(dir)).toBeUndefined();
    writeTextfile(dir, TEXT);
    expect(readPreviousTextfile(dir)).toBe(TEXT);
    // A file left by someone else's tool is read as it is: the renderer decides what it means.
    writeFileSync(join(dir, "cleanup.prom"), "cleanup_last_success_timestamp_seconds 17\n");
    expect(readPreviousTextfile(dir)).toBe("cleanup_last_success_timestamp_seconds 17\n");
  });

  it("does not follow a symlink planted at the name", () => {
    const dir = tempDir();
    const target = join(dir, "target-of-link.prom-text");
    writeFileSync(target, "cleanup_last_success_timestamp_seconds 17\n");
    symlinkSync(target, join(dir, "cleanup.prom"));
    expect(readPreviousTextfile(dir)).toBeUndefined();
  });

  it("is undefined for a FIFO (without waiting for a writer), a directory, or a file over 16 MiB", () => {
    const fifoDir = tempDir();
    execFileSync("mkfifo", [join(fifoDir, "cleanup.prom")]);
    expect(readPreviousTextfile(fifoDir)).toBeUndefined();

    const dirDir = tempDir();
    mkdirSync(join(dirDir, "cleanup.prom"));
    expect(readPreviousTextfile(dirDir)).toBeUndefined();

    const bigDir = tempDir();
    writeFileSync(join(bigDir, "cleanup.prom"), "");
    truncateSync(join(bigDir, "cleanup.prom"), 16 * 1024 * 1024 + 1);
    expect(readPreviousTextfile(bigDir)).toBeUndefined();
    truncateSync(join(bigDir, "cleanup.prom"), 16 * 1024 * 1024);
    expect(readPreviousTextfile(bigDir)).toHaveLength(16 * 1024 * 1024);
  });
});
