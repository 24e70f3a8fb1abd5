// readTrustedFile and trustProblem on real files, directories, FIFOs, devices and symlinks this
// test makes (as root: chown to nobody is how "another user" is made).
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  readTrustedFile,
  trustProblem,
  UntrustedFileError,
} from "../../../src/config/trusted-file.js";

const NOBODY = 65534;
const isRoot = process.geteuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), "cleanup-trusted-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function made(text: string, mode = 0o644, uid = 0): string {
  const path = join(dir, `f${(n += 1)}`);
  writeFileSync(path, text);
  chmodSync(path, mode);
  chownSync(path, uid, uid);
  return path;
}
function madeDir(mode: number, uid = 0): string {
  const path = join(dir, `d${(n += 1)}`);
  mkdirSync(path);
  chmodSync(path, mode);
  chownSync(path, uid, uid);
  return path;
}
function refusal(path: string, max = 1024, options = {}): string {
  try {
    readTrustedFile(path, max, options);
  } catch (error) {
    expect(error).toBeInstanceOf(UntrustedFileError);
    return (error as UntrustedFileError).reason;
  }
  throw new Error(`${path} was read`);
}

describe.runIf(isRoot)("readTrustedFile as root", () => {
  it("reads a root-owned 0644 file in root-owned directories", () => {
    expect(readTrustedFile(made("ok\n"), 1024).toString()).toBe("ok\n");
    expect(trustProblem(made("ok\n"))).toBeUndefined();
  });

  it("refuses a file another user owns, naming owner and mode, even if it cannot be read", () => {
    expect(refusal(made("x", 0o644, NOBODY))).toMatch(
      /^refused: owned by uid 65534\b.*, mode 0644; as root, cleanup reads only files that root owns$/,
    );
    expect(refusal(made("x", 0o000, NOBODY))).toMatch(/owned by uid 65534.*mode 0000/);
  });

  it("refuses a group- or world-writable file", () => {
    expect(refusal(made("x", 0o664))).toMatch(
      /^refused: group-writable \(owner uid 0\b.*mode 0664\)/,
    );
    expect(refusal(made("x", 0o646))).toMatch(/^refused: world-writable .*mode 0646/);
  });

  it("refuses a file in a directory another user owns or can write (no sticky bit)", () => {
    const open = madeDir(0o777);
    writeFileSync(join(open, "f"), "x");
    expect(refusal(join(open, "f"))).toMatch(
      new RegExp(
        `^refused: directory ${open} on its path is group- and world-writable .*mode 0777, no sticky bit`,
      ),
    );
    const foreign = madeDir(0o755, NOBODY);
    writeFileSync(join(foreign, "f"), "x");
    expect(refusal(join(foreign, "f"))).toMatch(
      new RegExp(`^refused: directory ${foreign} on its path is owned by uid 65534`),
    );
  });

  it("accepts a root-owned file in a sticky shared directory, refuses another user's entry there", () => {
    const shared = madeDir(0o1777);
    writeFileSync(join(shared, "mine"), "mine");
    expect(readTrustedFile(join(shared, "mine"), 1024).toString()).toBe("mine");
    symlinkSync(made("target"), join(shared, "theirs"));
    lchownSync(join(shared, "theirs"), NOBODY, NOBODY);
    expect(refusal(join(shared, "theirs"))).toMatch(
      /^refused: .*\/theirs is owned by uid 65534.* in the shared directory/,
    );
  });

  it("follows a symlink but checks the file it leads to and every directory on the way", () => {
    const good = made("via link");
    const link = join(dir, `link${(n += 1)}`);
    symlinkSync(good, link);
    expect(readTrustedFile(link, 1024).toString()).toBe("via link");
    // A trusted link into a directory nobody controls.
    const foreign = madeDir(0o755, NOBODY);
    writeFileSync(join(foreign, "f"), "x");
    const intoForeign = join(dir, `link${(n += 1)}`);
    symlinkSync(join(foreign, "f"), intoForeign);
    expect(refusal(intoForeign)).toMatch(/directory .* on its path is owned by uid 65534/);
    // A relative link through a directory symlink.
    const realDir = madeDir(0o755);
    writeFileSync(join(realDir, "f"), "relative");
    symlinkSync(realDir.split("/").pop()!, join(dir, `dirlink${(n += 1)}`));
    expect(readTrustedFile(join(dir, `dirlink${n}`, "f"), 1024).toString()).toBe("relative");
  });

  it("the override and settings.trust_paths accept what would be refused", () => {
    const foreign = made("theirs", 0o666, NOBODY);
    expect(readTrustedFile(foreign, 1024, { allowUntrusted: true }).toString()).toBe("theirs");
    expect(readTrustedFile(foreign, 1024, { trustPaths: [foreign] }).toString()).toBe("theirs");
    expect(readTrustedFile(foreign, 1024, { trustPaths: [dir] }).toString()).toBe("theirs");
    // A prefix of the name is not a parent directory.
    expect(refusal(foreign, 1024, { trustPaths: [foreign.slice(0, -1)] })).toMatch(/^refused/);
  });
});

describe("readTrustedFile: what is never read", () => {
  it("a FIFO, at once (no writer: a plain read would block)", () => {
    const fifo = join(dir, `fifo${(n += 1)}`);
    execFileSync("mkfifo", [fifo]);
    const started = performance.now();
    expect(refusal(fifo)).toBe("not a regular file (a FIFO)");
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("a directory, a device, a symlink to /dev/zero", () => {
    expect(refusal(madeDir(0o755))).toBe("not a regular file (a directory)");
    expect(refusal("/dev/null")).toBe("not a regular file (a character device)");
    const zero = join(dir, `zero${(n += 1)}`);
    symlinkSync("/dev/zero", zero);
    expect(refusal(zero)).toBe("not a regular file (a character device, via symlinks: /dev/zero)");
  });

  it("more than the cap, by its size", () => {
    expect(readTrustedFile(made("x".repeat(1024)), 1024)).toHaveLength(1024);
    expect(refusal(made("x".repeat(1025)), 1024)).toBe("too large (1025 bytes, at most 1024)");
  });

  it("a symlink loop; a missing file is the fs error for the caller to word", () => {
    const a = join(dir, `a${(n += 1)}`);
    const b = join(dir, `b${n}`);
    symlinkSync(b, a);
    symlinkSync(a, b);
    expect(refusal(a)).toBe("more than 40 symlinks on the way");
    expect(() => readTrustedFile(join(dir, "missing"), 1024)).toThrow(/ENOENT/);
    expect(trustProblem(join(dir, "missing"))).toBeUndefined();
  });

  it("as another user than root, owners and modes are not checked", () => {
    const foreign = made("theirs", 0o666, NOBODY);
    expect(readTrustedFile(foreign, 1024, { euid: 1000 }).toString()).toBe("theirs");
    expect(trustProblem(foreign, { euid: 1000 })).toBeUndefined();
  });
});
