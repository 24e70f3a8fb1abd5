// What a hostile user on the same host could try against the leftover-file scan (the hostile
// review of issue 12): a symlink in a parent of a rule's directory, a sparse file claiming a
// petabyte, maps too long to read, a unix socket bound by a relative path. Each on real files
// or a fixture /proc the test makes in its own tmp dir.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readHolders } from "../../../src/scan/file-holders.js";
import { LIST_LIMITS, listDir } from "../../../src/scan/leftover-files.js";
import { inodeKey } from "../../../src/scan/leftover-types.js";
import { readProcTextToEnd, TooLongError } from "../../../src/scan/read-file.js";
import { ProcFixture } from "../../helpers/fixtures.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "cleanup-hostile-"));
  dirs.push(d);
  return d;
};

describe("the leftover-file scan against a hostile user", () => {
  it("refuses a rule directory with a symlink anywhere on its path, not only at its end", () => {
    const d = tmp();
    mkdirSync(join(d, "victim", "out"), { recursive: true });
    writeFileSync(join(d, "victim", "out", "psm_x"), "x");
    symlinkSync(join(d, "victim"), join(d, "app"));
    const listing = listDir(join(d, "app", "out"), () => true);
    expect(listing.files).toEqual([]);
    expect(listing.problem).toBe(`a symlink on its path (${join(d, "app")})`);
    expect(listDir(join(d, "victim", "out"), () => true).files).toHaveLength(1);
  });

  it("bounds all the directory walks of one listing together: past it, contents unknown", () => {
    const d = tmp();
    for (const name of ["pymp-a", "pymp-b"]) {
      mkdirSync(join(d, name));
      for (const f of ["x", "y"]) writeFileSync(join(d, name, f), "1");
    }
    const listing = listDir(d, () => true, { ...LIST_LIMITS, walkTotal: 3 });
    const contents = Object.fromEntries(listing.files.map((f) => [f.name, f.contents]));
    // Whichever the directory lists first gets its two; the other, one left, is cut.
    expect(
      Object.values(contents)
        .map((c) => (c === null ? null : c!.length))
        .sort(),
    ).toEqual([2, null]);
  });

  it("counts a sparse file by the blocks it has, not the size it claims", () => {
    const d = tmp();
    writeFileSync(join(d, "psm_sparse"), "");
    truncateSync(join(d, "psm_sparse"), 2 ** 40);
    const [file] = listDir(d, () => true).files;
    expect(file!.sizeBytes).toBeLessThan(2 ** 20);
  });

  it("stops reading a maps file past its bound", () => {
    const d = tmp();
    writeFileSync(join(d, "maps"), "x".repeat(200_000));
    expect(() => readProcTextToEnd(join(d, "maps"), 100_000)).toThrow(TooLongError);
    expect(readProcTextToEnd(join(d, "maps"), 300_000)).toHaveLength(200_000);
  });

  it("a process holding a unix socket bound by a relative path may hold anything: unknown", () => {
    const f = new ProcFixture();
    dirs.push(f.root);
    const d = tmp();
    writeFileSync(join(d, "psm_x"), "x");
    const [file] = listDir(d, () => true).files;
    f.add({ pid: 100, ppid: 1, startTicks: 500 });
    const proc = join(f.root, "100");
    writeFileSync(join(proc, "maps"), "");
    mkdirSync(join(proc, "fd"));
    symlinkSync("socket:[777]", join(proc, "fd", "3"));
    symlinkSync("/", join(proc, "cwd"));
    mkdirSync(join(proc, "net"));
    writeFileSync(
      join(proc, "net", "unix"),
      "Num RefCount Protocol Flags Type St Inode Path\n0000: 00000002 00000000 00010000 0001 01 777 tok-listener\n",
    );
    const index = readHolders(
      f.root,
      {
        devs: new Set([file!.dev]),
        inodes: new Set([inodeKey(file!.dev, file!.ino)]),
        paths: [d],
      },
      [{ pid: 100, startTicks: 500 }],
    );
    expect(index.unknown).toEqual([
      { pid: 100, reason: "a unix socket bound by a relative path (tok-listener)" },
    ]);
  });
});
