// A PID file is read as a plain file only: a symlink planted where a glob looks (a service's
// writable log directory) is reported, never followed into the file it points at.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readPidFiles } from "../../../src/scan/pid-files.js";

const dir = mkdtempSync(join(tmpdir(), "cleanup-pidlink-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readPidFiles and symbolic links", () => {
  it("reports a symlinked PID file without reading its target", () => {
    const secret = join(dir, "secret.txt");
    writeFileSync(secret, "root:$y$topsecret:19000:0:99999:7:::\n");
    symlinkSync(secret, join(dir, "dev_x.pid"));
    writeFileSync(join(dir, "dev_y.pid"), "4242\n");
    const reads = readPidFiles([join(dir, "dev_*.pid")]);
    expect(reads.map((r) => [r.path, r.pid, r.problem, r.content])).toEqual([
      [
        join(dir, "dev_x.pid"),
        null,
        "a symbolic link (not followed: a PID file is a plain file)",
        null,
      ],
      [join(dir, "dev_y.pid"), 4242, null, "4242\n"],
    ]);
    expect(JSON.stringify(reads)).not.toContain("topsecret");
  });
});
