// listDir on real files this test makes in its own tmp dir (names carry a token): lstat only,
// never through a symlink, bounded, directories walked for their contents.
import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LIST_LIMITS, listDir } from "../../../src/scan/leftover-files.js";

const token = randomBytes(6).toString("hex");
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), `cleanup-lf-${token}-`));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const all = (): boolean => true;
const byName = (l: ReturnType<typeof listDir>) =>
  Object.fromEntries(l.files.map((f) => [f.name, f]));

describe("listDir", () => {
  it("lists the accepted entries from lstat, each with its kind, inode and owner", () => {
    writeFileSync(join(dir, `psm_${token}`), "x".repeat(100));
    mkdirSync(join(dir, `pymp-${token}`));
    symlinkSync("/etc/passwd", join(dir, `sem.${token}`));
    writeFileSync(join(dir, `other-${token}`), "y");
    const seen: string[] = [];
    const l = listDir(dir, (name) => {
      seen.push(name);
      return !name.startsWith("other-");
    });
    expect(l.problem).toBeUndefined();
    expect(l.truncated).toBe(false);
    expect(seen.sort()).toHaveLength(4);
    const files = byName(l);
    expect(Object.keys(files).sort()).toEqual([`psm_${token}`, `pymp-${token}`, `sem.${token}`]);
    const psm = files[`psm_${token}`]!;
    const st = lstatSync(join(dir, `psm_${token}`));
    expect(psm).toMatchObject({
      path: join(dir, `psm_${token}`),
      dir,
      kind: "file",
      dev: st.dev,
      ino: st.ino,
      uid: st.uid,
      sizeBytes: 100,
      mtimeMs: st.mtimeMs,
      ctimeMs: st.ctimeMs,
    });
    expect(psm.contents).toBeUndefined();
    // The symlink is the link itself, never its target.
    expect(files[`sem.${token}`]).toMatchObject({
      kind: "other",
      ino: lstatSync(join(dir, `sem.${token}`)).ino,
    });
    expect(files[`pymp-${token}`]).toMatchObject({ kind: "dir", sizeBytes: 0, contents: [] });
  });

  it("refuses a directory that is a symlink, missing or not a directory", () => {
    const real = join(dir, "real");
    mkdirSync(real);
    writeFileSync(join(real, `psm_${token}`), "x");
    symlinkSync(real, join(dir, "link"));
    expect(listDir(join(dir, "link"), all)).toEqual({
      dir: join(dir, "link"),
      files: [],
      truncated: false,
      problem: "a symlink",
    });
    expect(listDir(join(dir, "missing"), all).problem).toBe("ENOENT");
    expect(listDir(join(real, `psm_${token}`), all).problem).toBe("not a directory");
  });

  it("walks a directory entry: its files' sizes, every inode inside, never through a symlink", () => {
    const pymp = join(dir, `pymp-${token}`);
    mkdirSync(join(pymp, "a", "b"), { recursive: true });
    writeFileSync(join(pymp, "f1"), "x".repeat(10));
    writeFileSync(join(pymp, "a", "b", "f2"), "x".repeat(5));
    const outside = join(dir, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "big"), "x".repeat(1000));
    symlinkSync(outside, join(pymp, "a", "link"));
    const [entry] = listDir(dir, (n) => n.startsWith("pymp-")).files;
    expect(entry!.kind).toBe("dir");
    expect(entry!.sizeBytes).toBe(15);
    const paths = entry!.contents!.map((c) => c.path).sort();
    expect(paths).toEqual(["a", "a/b", "a/b/f2", "a/link", "f1"].map((p) => join(pymp, p)).sort());
    for (const c of entry!.contents!) {
      const st = lstatSync(c.path);
      expect([c.dev, c.ino]).toEqual([st.dev, st.ino]);
    }
  });

  it("has unknown contents (null) for a directory deeper or larger than the walk's bounds", () => {
    const deep = join(dir, `deep-${token}`);
    mkdirSync(join(deep, "1", "2", "3", "4"), { recursive: true });
    const wide = join(dir, `wide-${token}`);
    mkdirSync(wide);
    for (let i = 0; i < 6; i++) writeFileSync(join(wide, `f${i}`), "x");
    const limits = { ...LIST_LIMITS, walkDepth: 4, walkEntries: 5 };
    // Depth 4 with an empty innermost directory is within the bounds...
    expect(byName(listDir(dir, all, limits))[`deep-${token}`]!.contents).toHaveLength(4);
    // ...one more level is not.
    writeFileSync(join(deep, "1", "2", "3", "4", "f"), "x");
    const files = byName(listDir(dir, all, limits));
    expect(files[`deep-${token}`]!.contents).toBeNull();
    expect(files[`wide-${token}`]!.contents).toBeNull();
  });

  it("is truncated at its entry and name limits", () => {
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, `psm_${token}_${i}`), "x");
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, `skip_${token}_${i}`), "x");
    const psm = (n: string): boolean => n.startsWith("psm_");
    const entries = listDir(dir, psm, { ...LIST_LIMITS, maxEntries: 3 });
    expect([entries.files.length, entries.truncated]).toEqual([3, true]);
    const names = listDir(dir, psm, { ...LIST_LIMITS, maxNames: 4 });
    expect(names.truncated).toBe(true);
    expect(names.files.length).toBeLessThanOrEqual(4);
    expect(listDir(dir, psm, { ...LIST_LIMITS, maxEntries: 5 })).toMatchObject({
      truncated: false,
    });
  });

  it("skips a name that is not UTF-8 (it could not be named exactly)", () => {
    const bad = Buffer.concat([Buffer.from(`${dir}/psm_${token}_`), Buffer.from([0xff])]);
    writeFileSync(bad, "x");
    writeFileSync(join(dir, `psm_${token}_ok`), "x");
    expect(listDir(dir, all).files.map((f) => f.name)).toEqual([`psm_${token}_ok`]);
  });
});
