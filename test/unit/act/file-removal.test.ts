// removeFile on real files this test makes in its own tmp dir (names carry a token): what the
// scan listed is removed; anything replaced, turned into a symlink, modified, re-owned, held,
// or created after the scan is not; a parent swapped for a symlink cannot redirect the unlink.
import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeFile, type HeldCheck } from "../../../src/act/file-removal.js";
import { listDir } from "../../../src/scan/leftover-files.js";
import type { LeftoverFile } from "../../../src/scan/leftover-types.js";

const token = randomBytes(6).toString("hex");
let root: string;
let watch: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), `cleanup-rm-${token}-`));
  watch = join(root, "watch");
  mkdirSync(watch);
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const free = (): HeldCheck => ({ held: false });
const OLD = new Date("2026-01-01T00:00:00Z");

/** A token-named file with an old mtime (so that any write after the scan moves it). */
function make(name: string, content = "x".repeat(100)): string {
  const path = join(watch, name);
  writeFileSync(path, content);
  utimesSync(path, OLD, OLD);
  return path;
}

function scanned(name: string, dir = watch): LeftoverFile {
  const file = listDir(dir, (n) => n === name).files[0];
  if (!file) throw new Error(`${name} not listed`);
  return file;
}

describe("removeFile: a file", () => {
  it("removes the file the scan listed, after asking whether it is held, and says what it freed", () => {
    const path = make(`psm_${token}`);
    const entry = scanned(`psm_${token}`);
    let asked = 0;
    const outcome = removeFile(entry, () => {
      asked += 1;
      return { held: false };
    });
    expect(outcome).toEqual({ removed: true, bytesFreed: 100 });
    expect(asked).toBe(1);
    expect(existsSync(path)).toBe(false);
  });

  it("keeps a file the recheck finds held", () => {
    const path = make(`psm_${token}`);
    const outcome = removeFile(scanned(`psm_${token}`), () => ({
      held: true,
      why: "pid 4123 maps it",
    }));
    expect(outcome).toEqual({
      removed: false,
      bytesFreed: 0,
      reason: "held",
      detail: "pid 4123 maps it",
    });
    expect(existsSync(path)).toBe(true);
  });

  it("keeps a file replaced by another inode since the scan", () => {
    const path = make(`psm_${token}`);
    const entry = scanned(`psm_${token}`);
    // Moved away, not unlinked: its inode stays in use, so the new file has another.
    renameSync(path, join(root, "old"));
    make(`psm_${token}`);
    expect(removeFile(entry, free)).toMatchObject({ removed: false, reason: "replaced" });
    expect(existsSync(path)).toBe(true);
  });

  it("keeps a file unlinked and made again with the same content (its inode number may be reused)", async () => {
    const path = make(`psm_${token}`);
    const entry = scanned(`psm_${token}`);
    unlinkSync(path);
    // Past one clock tick (not a bound on anything): the new ctime cannot equal the scanned one.
    await new Promise((r) => setTimeout(r, 20));
    make(`psm_${token}`);
    const outcome = removeFile(entry, free);
    expect(outcome.removed).toBe(false);
    expect(["replaced", "modified"]).toContain(outcome.reason);
    expect(existsSync(path)).toBe(true);
  });

  it("keeps a file turned into a symlink, and leaves its target alone", () => {
    const path = make(`psm_${token}`);
    const entry = scanned(`psm_${token}`);
    const victim = join(root, `victim-${token}`);
    writeFileSync(victim, "precious");
    unlinkSync(path);
    symlinkSync(victim, path);
    expect(removeFile(entry, free)).toMatchObject({ removed: false, reason: "symlink" });
    expect(readFileSync(victim, "utf8")).toBe("precious");
  });

  it("keeps a file modified after the scan", () => {
    const path = make(`psm_${token}`);
    const entry = scanned(`psm_${token}`);
    appendFileSync(path, "more");
    expect(removeFile(entry, free)).toMatchObject({ removed: false, reason: "modified" });
    expect(existsSync(path)).toBe(true);
  });

  it("keeps a file modified while the holders were re-read (checked again before unlink)", () => {
    const path = make(`psm_${token}`);
    const outcome = removeFile(scanned(`psm_${token}`), () => {
      appendFileSync(path, "written by a live pool");
      return { held: false };
    });
    expect(outcome).toMatchObject({ removed: false, reason: "modified" });
    expect(existsSync(path)).toBe(true);
  });

  it("keeps a file whose owner changed", () => {
    const path = make(`psm_${token}`);
    const entry = scanned(`psm_${token}`);
    chownSync(path, entry.uid + 4242, 0);
    expect(removeFile(entry, free)).toMatchObject({ removed: false, reason: "owner-changed" });
    expect(existsSync(path)).toBe(true);
  });

  it("says vanished for a file someone else removed", () => {
    const path = make(`psm_${token}`);
    const entry = scanned(`psm_${token}`);
    unlinkSync(path);
    expect(removeFile(entry, free)).toMatchObject({ removed: false, reason: "vanished" });
  });

  it("never removes an entry listed as other (a symlink, socket, fifo)", () => {
    symlinkSync("/etc/passwd", join(watch, `sem.${token}`));
    const entry = scanned(`sem.${token}`);
    expect(entry.kind).toBe("other");
    expect(removeFile(entry, free)).toMatchObject({ removed: false, reason: "not-removable" });
    expect(existsSync(join(watch, `sem.${token}`))).toBe(true);
  });

  it("keeps the file when its directory was swapped for a symlink before the removal", () => {
    const path = make(`psm_${token}`);
    const entry = scanned(`psm_${token}`);
    const elsewhere = join(root, "elsewhere");
    mkdirSync(elsewhere);
    renameSync(watch, join(root, "moved"));
    symlinkSync(elsewhere, watch);
    writeFileSync(join(elsewhere, `psm_${token}`), "decoy");
    expect(removeFile(entry, free)).toMatchObject({
      removed: false,
      reason: "parent-changed",
      detail: `${watch}: a symlink`,
    });
    expect(existsSync(join(root, "moved", `psm_${token}`))).toBe(true);
    expect(existsSync(join(elsewhere, `psm_${token}`))).toBe(true);
    void path;
  });

  it("unlinks in the directory it opened even if its path is swapped for a symlink meanwhile", () => {
    make(`psm_${token}`);
    const entry = scanned(`psm_${token}`);
    const elsewhere = join(root, "elsewhere");
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, `psm_${token}`), "decoy");
    // Swapped during the holder re-read: after the parent was opened and the entry checked.
    const outcome = removeFile(entry, () => {
      renameSync(watch, join(root, "moved"));
      symlinkSync(elsewhere, watch);
      return { held: false };
    });
    expect(outcome).toEqual({ removed: true, bytesFreed: 100 });
    expect(existsSync(join(root, "moved", `psm_${token}`))).toBe(false);
    expect(readFileSync(join(elsewhere, `psm_${token}`), "utf8")).toBe("decoy");
  });
});

describe("removeFile: a directory", () => {
  function pymp(): string {
    const dir = join(watch, `pymp-${token}`);
    mkdirSync(join(dir, "a", "b"), { recursive: true });
    writeFileSync(join(dir, "f1"), "x".repeat(10));
    writeFileSync(join(dir, "a", "b", "f2"), "x".repeat(5));
    return dir;
  }

  it("removes it with its contents, bottom-up; a symlink inside is removed, never followed", () => {
    const dir = pymp();
    const outside = join(root, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "keep"), "precious");
    symlinkSync(outside, join(dir, "a", "link"));
    const entry = scanned(`pymp-${token}`);
    expect(removeFile(entry, free)).toEqual({ removed: true, bytesFreed: 15 });
    expect(existsSync(dir)).toBe(false);
    expect(readFileSync(join(outside, "keep"), "utf8")).toBe("precious");
  });

  it("leaves a file created inside after the scan, and what holds it; removes the rest", () => {
    const dir = pymp();
    const entry = scanned(`pymp-${token}`);
    writeFileSync(join(dir, "a", "b", `new-${token}`), "created after the scan");
    const outcome = removeFile(entry, free);
    expect(outcome).toMatchObject({ removed: false, reason: "partial", bytesFreed: 15 });
    expect(outcome.detail).toContain(`${join(dir, "a", "b", `new-${token}`)}: not in the scan`);
    expect(existsSync(join(dir, "a", "b", `new-${token}`))).toBe(true);
    expect(existsSync(join(dir, "f1"))).toBe(false);
  });

  it("leaves a subdirectory turned into a symlink below the top, and never follows it", () => {
    const dir = pymp();
    const entry = scanned(`pymp-${token}`);
    const outside = join(root, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "f2"), "precious");
    renameSync(join(dir, "a", "b"), join(root, "b-moved"));
    symlinkSync(outside, join(dir, "a", "b"));
    const outcome = removeFile(entry, free);
    expect(outcome).toMatchObject({ removed: false, reason: "partial" });
    expect(outcome.detail).toContain(`${join(dir, "a", "b")}: another inode than the scan's`);
    expect(readFileSync(join(outside, "f2"), "utf8")).toBe("precious");
    expect(existsSync(join(root, "b-moved", "f2"))).toBe(true);
  });

  it("leaves a subdirectory replaced below the top, and removes the rest", () => {
    const dir = pymp();
    const entry = scanned(`pymp-${token}`);
    renameSync(join(dir, "a", "b"), join(root, "b-moved"));
    mkdirSync(join(dir, "a", "b"));
    writeFileSync(join(dir, "a", "b", "f2"), "x".repeat(5));
    const outcome = removeFile(entry, free);
    expect(outcome).toMatchObject({ removed: false, reason: "partial", bytesFreed: 10 });
    expect(outcome.detail).toContain(`${join(dir, "a", "b")}: another inode than the scan's`);
    expect(existsSync(join(dir, "a", "b", "f2"))).toBe(true);
    expect(existsSync(join(root, "b-moved", "f2"))).toBe(true);
    expect(existsSync(join(dir, "f1"))).toBe(false);
  });

  it("keeps a directory with a file created after the scan at its top (its mtime moved)", () => {
    const dir = pymp();
    utimesSync(dir, OLD, OLD);
    const entry = scanned(`pymp-${token}`);
    writeFileSync(join(dir, `new-${token}`), "x");
    expect(removeFile(entry, free)).toMatchObject({ removed: false, reason: "modified" });
    expect(existsSync(join(dir, "f1"))).toBe(true);
  });

  it("never removes a directory whose contents the scan could not list in full", () => {
    const dir = pymp();
    const entry = { ...scanned(`pymp-${token}`), contents: null };
    expect(removeFile(entry, free)).toMatchObject({ removed: false, reason: "contents-unknown" });
    expect(existsSync(join(dir, "f1"))).toBe(true);
  });

  it("keeps a held directory", () => {
    const dir = pymp();
    const outcome = removeFile(scanned(`pymp-${token}`), () => ({
      held: true,
      why: "pid 77 has its cwd inside",
    }));
    expect(outcome).toMatchObject({ removed: false, reason: "held" });
    expect(existsSync(join(dir, "a", "b", "f2"))).toBe(true);
  });
});
