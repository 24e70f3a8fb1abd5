// The hostile-config corpus: the files in test/fixtures/hostile-configs/ (syntax, types, aliases,
// nesting, bytes) and the cases that must be made on the spot (sizes, FIFOs, devices, owners,
// modes, symlinks). Every case names the FILE:LINE:COL message it must produce.
//
// Files that contain @@PATTERN@@ get the scene's own interpreter pattern there: a kill rule
// that, were the file wrongly accepted, would take only the test's own orphan.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  lchownSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const HOSTILE_DIR = fileURLToPath(new URL("../fixtures/hostile-configs/", import.meta.url));
/** nobody on Debian and most others; a user that owns nothing of ours. */
export const NOBODY = 65534;

export interface HostileCase {
  name: string;
  /** The message after "FILE:", e.g. /^5:12 rules\[0\]\.grace: /. */
  expect: RegExp;
  /** Makes the file in `dir` and returns its path. */
  make: (dir: string, pattern: string) => string;
  /** Run the agent as this uid (and gid) instead of root. */
  asUser?: number;
  /** Also run it live (the file holds a kill rule for the scene's orphan). */
  live?: true;
}

/** Every static fixture with its expected message (LINE:COL, then the problem). */
const STATIC: Record<string, RegExp> = {
  "alias-billion-laughs.yaml": /^3:50 aliases expand to more than 1000 nodes/,
  "alias-self-reference.yaml": /^2:5 alias \*loop refers to a node that contains it/,
  "alias-thousand.yaml": /^3:50 aliases expand to more than 1000 nodes/,
  "alias-too-many.yaml": /^6:\d+ more than 100 aliases/,
  "alias-undefined.yaml": /^2:5 alias \*nowhere has no anchor &nowhere before it/,
  "bom-then-wrong-type.yaml": /^5:11 rules\[0\]\.tree: wrong type \(got maybe/,
  "crlf-wrong-type.yaml": /^5:11 rules\[0\]\.tree: wrong type \(got maybe/,
  "deep-block-map-100.yaml": /^69:65 nested too deeply \(more than 64 levels/,
  "deep-block-seq-3000.yaml": /^2:257 indented more than 256 columns/,
  "deep-flow-3000.yaml": /^5:73 nested too deeply \(more than 64 levels/,
  "deep-flow-maps-100.yaml": /^5:262 nested too deeply \(more than 64 levels/,
  "directive-yaml-9.yaml": /^1:7 YAML syntax error: Unsupported YAML version 9\.9/,
  "duplicate-keys.yaml": /^5:5 YAML syntax error: Map keys must be unique/,
  "duplicate-top-level.yaml": /^2:1 YAML syntax error: Map keys must be unique/,
  "empty.yaml": /^1:1 wrong type \(got nothing, expected a mapping/,
  "escape-char.yaml": /^5:16 control character U\+001B is not allowed/,
  "garbage-duration.yaml": /^5:12 rules\[0\]\.grace: not a duration \(got 1 fortnight/,
  "huge-integer.yaml": /^2:22 settings\.max_kills_per_run: not a whole number/,
  "huge-number-infinity.yaml": /^2:22 settings\.max_kills_per_run: wrong type \(got 1e999/,
  "invalid-utf8.yaml": /^2:14 not UTF-8: byte 0xe9 at offset 20/,
  "key-collection.yaml": /^1:1 \[ a, b \]: unknown key/,
  "merge-key.yaml": /^1:1 base: unknown key/,
  "multiple-documents.yaml": /^5:1 YAML syntax error: Source contains multiple documents/,
  "nan.yaml": /^2:22 settings\.max_kills_per_run: wrong type \(got \.nan/,
  "negative-count.yaml": /^2:22 settings\.max_kills_per_run: too small \(got -1/,
  "negative-duration.yaml": /^5:12 rules\[0\]\.grace: a duration cannot be negative/,
  "not-a-mapping-list.yaml": /^1:1 wrong type \(got a list, expected a mapping/,
  "not-a-mapping-scalar.yaml": /^1:1 wrong type \(got just a sentence/,
  "nul-byte.yaml": /^2:12 control character U\+0000 is not allowed/,
  "null-document.yaml": /^1:1 wrong type \(got ~, expected a mapping/,
  "only-comments.yaml": /^1:1 wrong type \(got nothing, expected a mapping/,
  "regex-bad-range.yaml": /^6:23 rules\[1\]\.match\.cmdline: invalid regular expression/,
  "regex-nothing-to-repeat.yaml": /^6:23 rules\[1\]\.match\.cmdline: invalid regular expression/,
  "regex-unbalanced.yaml": /^6:23 rules\[1\]\.match\.cmdline: invalid regular expression/,
  // Valid JavaScript, refused by RE2 (linear-time matching): said so, with the place.
  "regex-backreference.yaml":
    /^6:23 rules\[1\]\.match\.cmdline: invalid regular expression: backreference .*is not supported/,
  "regex-lookahead.yaml":
    /^6:23 rules\[1\]\.match\.cmdline: invalid regular expression: lookahead .*lookaround is not supported/,
  "regex-lookbehind.yaml":
    /^6:23 rules\[1\]\.match\.cmdline: invalid regular expression: lookbehind .*lookaround is not supported/,
  "syntax-bad-indent.yaml": /^5:1 YAML syntax error: /,
  "syntax-nested-mapping-on-line.yaml": /^5:12 YAML syntax error: Nested mappings/,
  "syntax-tab-indent.yaml": /^2:1 YAML syntax error: Tabs are not allowed as indentation/,
  "syntax-unclosed-flow.yaml": /^2:3 YAML syntax error: /,
  "syntax-unterminated-quote.yaml": /^7:1 YAML syntax error: Missing closing 'quote/,
  "tag-binary.yaml": /^5:22 tag !!binary is not allowed/,
  "tag-js-function.yaml":
    /^2:11 YAML syntax error: Unresolved tag: tag:yaml\.org,2002:js\/function/,
  "tag-local.yaml": /^5:12 YAML syntax error: Unresolved tag: !duration/,
  "tag-set.yaml": /^1:16 tag !!set is not allowed/,
  "tag-str-on-list.yaml": /^1:8 YAML syntax error: Unresolved tag: tag:yaml\.org,2002:str/,
  "unknown-action.yaml": /^4:13 rules\[0\]\.action: unknown action \(got nuke/,
  "unknown-keys.yaml": /^5:5 rules\[0\]\.older_thn: unknown key, did you mean 'match\.older_than'/,
  "unknown-signal.yaml": /^5:13 rules\[0\]\.signal: unknown signal \(got SIGFOO/,
  "unknown-top-level.yaml": /^1:1 rulez: unknown key, did you mean 'rules'/,
  "utf16-bom.yaml": /^1:1 not UTF-8: byte 0xff at offset 0/,
  "utf8-overlong.yaml": /^2:11 not UTF-8: byte 0xc0/,
  "utf8-surrogate.yaml": /^2:11 not UTF-8: byte 0xed/,
  "utf8-truncated.yaml": /^5:28 not UTF-8: byte 0xe2/,
  "wrong-type-rules-string.yaml": /^1:8 rules: wrong type \(got kill everything/,
  "wrong-type-tree.yaml": /^5:11 rules\[0\]\.tree: wrong type \(got "yes"/,
  "wrong-types-everywhere.yaml": /^2:10 settings\.grace: wrong type \(got 10,/,
};

/** The fixtures also run live: one per family (bytes, aliases, nesting, tags, types, syntax). */
const LIVE = new Set([
  "nul-byte.yaml",
  "alias-billion-laughs.yaml",
  "deep-flow-3000.yaml",
  "tag-js-function.yaml",
  "negative-duration.yaml",
  "syntax-unclosed-flow.yaml",
]);

function withPattern(bytes: Buffer, pattern: string): Buffer {
  const marker = Buffer.from("@@PATTERN@@");
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, from)) {
    parts.push(bytes.subarray(from, at), Buffer.from(pattern));
    from = at + marker.length;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}

/** A valid kill rule for the scene's orphans: a file with it that were accepted would kill. */
const killRules = (pattern: string): string =>
  `rules:\n  - name: would-kill\n    match: { cmdline: '^${pattern} ', orphaned: true }\n    action: kill\n    grace: 1s\n`;

const file = (dir: string, name: string, text: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** A subdirectory of `dir` with its own owner and mode. */
const subdir = (dir: string, name: string, mode: number, uid = 0): string => {
  const path = join(dir, name);
  mkdirSync(path);
  chmodSync(path, mode);
  chownSync(path, uid, uid);
  return path;
};

const MADE: HostileCase[] = [
  {
    name: "over the size cap (256 KiB + 1 byte)",
    live: true,
    expect: /^1:1 cannot read config: too large \(262145 bytes, at most 262144\)/,
    make: (dir, p) => {
      const rules = killRules(p);
      return file(dir, "too-large.yaml", rules + "#".repeat(256 * 1024 + 1 - rules.length));
    },
  },
  {
    name: "a 200 KB string where a signal goes",
    expect: /^6:13 rules\[0\]\.signal: unknown signal \(got a{120}… \(200000 characters\)/,
    make: (dir, p) =>
      file(dir, "huge-string.yaml", `${killRules(p)}    signal: ${"a".repeat(200_000)}\n`),
  },
  {
    name: "100,000 problems (30,000 empty rules)",
    expect: /^2:5 rules\[0\]\.name: missing/,
    make: (dir) => file(dir, "many-problems.yaml", `rules:\n${"  - {}\n".repeat(30_000)}`),
  },
  {
    name: "a key over 1024 characters",
    expect: /^\d+:\d+ YAML syntax error: /,
    make: (dir, p) => file(dir, "long-key.yaml", `${killRules(p)}${"k".repeat(1100)}: 1\n`),
  },
  {
    name: "a FIFO (nobody writes to it: reading would block)",
    expect: /^1:1 cannot read config: not a regular file \(a FIFO\)/,
    make: (dir) => {
      const path = join(dir, "fifo.yaml");
      execFileSync("mkfifo", ["-m", "600", path]);
      return path;
    },
  },
  {
    name: "a directory",
    expect: /^1:1 cannot read config: not a regular file \(a directory\)/,
    make: (dir) => subdir(dir, "directory.yaml", 0o755),
  },
  {
    name: "/dev/null",
    expect: /^1:1 cannot read config: not a regular file \(a character device\)/,
    make: () => "/dev/null",
  },
  {
    name: "a symlink to /dev/zero (endless)",
    expect:
      /^1:1 cannot read config: not a regular file \(a character device, via symlinks: \/dev\/zero\)/,
    make: (dir) => {
      const path = join(dir, "zero.yaml");
      symlinkSync("/dev/zero", path);
      return path;
    },
  },
  {
    name: "a symlink to /dev/urandom",
    expect:
      /^1:1 cannot read config: not a regular file \(a character device, via symlinks: \/dev\/urandom\)/,
    make: (dir) => {
      const path = join(dir, "urandom.yaml");
      symlinkSync("/dev/urandom", path);
      return path;
    },
  },
  {
    name: "missing",
    expect: /^1:1 cannot read config: file not found/,
    make: (dir) => join(dir, "missing.yaml"),
  },
  {
    name: "a dangling symlink",
    expect: /^1:1 cannot read config: file not found/,
    make: (dir) => {
      const path = join(dir, "dangling.yaml");
      symlinkSync(join(dir, "nowhere.yaml"), path);
      return path;
    },
  },
  {
    name: "a symlink loop",
    expect: /^1:1 cannot read config: more than 40 symlinks on the way/,
    make: (dir) => {
      symlinkSync(join(dir, "loop-b.yaml"), join(dir, "loop-a.yaml"));
      symlinkSync(join(dir, "loop-a.yaml"), join(dir, "loop-b.yaml"));
      return join(dir, "loop-a.yaml");
    },
  },
  {
    name: "owned by nobody (a valid kill rule inside)",
    live: true,
    expect:
      /^1:1 cannot read config: refused: owned by uid 65534\b.*, mode 0644; .*--allow-untrusted-config/,
    make: (dir, p) => {
      const path = file(dir, "foreign.yaml", killRules(p));
      chownSync(path, NOBODY, NOBODY);
      return path;
    },
  },
  {
    name: "unreadable to everyone (mode 000), owned by nobody: refused as root without reading",
    expect: /^1:1 cannot read config: refused: owned by uid 65534\b.*, mode 0000/,
    make: (dir, p) => {
      const path = file(dir, "mode-000.yaml", killRules(p));
      chownSync(path, NOBODY, NOBODY);
      chmodSync(path, 0o000);
      return path;
    },
  },
  {
    name: "unreadable (mode 000) to the user running the agent (nobody): EACCES",
    asUser: NOBODY,
    expect: /^1:1 cannot read config: EACCES: permission denied/,
    make: (dir, p) => {
      const open = subdir(dir, "nobody-can-enter", 0o755);
      const path = file(open, "unreadable.yaml", killRules(p));
      chownSync(path, NOBODY, NOBODY);
      chmodSync(path, 0o000);
      return path;
    },
  },
  {
    name: "group-writable (root:root 0664)",
    expect: /^1:1 cannot read config: refused: group-writable \(owner uid 0\b.*, mode 0664\)/,
    make: (dir, p) => {
      const path = file(dir, "group-writable.yaml", killRules(p));
      chmodSync(path, 0o664);
      return path;
    },
  },
  {
    name: "world-writable (0666)",
    expect: /^1:1 cannot read config: refused: group- and world-writable .*mode 0666/,
    make: (dir, p) => {
      const path = file(dir, "world-writable.yaml", killRules(p));
      chmodSync(path, 0o666);
      return path;
    },
  },
  {
    name: "in a world-writable directory without the sticky bit",
    live: true,
    expect:
      /^1:1 cannot read config: refused: directory .*\/open-dir on its path is group- and world-writable .*mode 0777, no sticky bit/,
    make: (dir, p) => file(subdir(dir, "open-dir", 0o777), "rules.yaml", killRules(p)),
  },
  {
    name: "in a directory owned by nobody",
    expect:
      /^1:1 cannot read config: refused: directory .*\/nobodys-dir on its path is owned by uid 65534\b/,
    make: (dir, p) => file(subdir(dir, "nobodys-dir", 0o755, NOBODY), "rules.yaml", killRules(p)),
  },
  {
    name: "a root-owned symlink to a file nobody owns",
    expect: /^1:1 cannot read config: refused: owned by uid 65534\b/,
    make: (dir, p) => {
      const target = file(dir, "foreign-target.yaml", killRules(p));
      chownSync(target, NOBODY, NOBODY);
      const path = join(dir, "link-to-foreign.yaml");
      symlinkSync(target, path);
      return path;
    },
  },
  {
    name: "a symlink nobody planted in a sticky shared directory",
    live: true,
    expect:
      /^1:1 cannot read config: refused: .*\/shared\/rules\.yaml is owned by uid 65534\b.* in the shared directory/,
    make: (dir, p) => {
      const shared = subdir(dir, "shared", 0o1777);
      const target = file(dir, "planted-target.yaml", killRules(p));
      const path = join(shared, "rules.yaml");
      symlinkSync(target, path);
      lchownSync(path, NOBODY, NOBODY);
      return path;
    },
  },
  {
    name: "a webhook secret file nobody owns",
    live: true,
    expect:
      /^10:20 alerts\.sinks\[0\]\.url\.file: secret file .*: refused: owned by uid 65534\b.*settings\.trust_paths/,
    make: (dir, p) => {
      const secret = file(dir, "token", "https://example.invalid/hook\n");
      chownSync(secret, NOBODY, NOBODY);
      return file(
        dir,
        "foreign-secret.yaml",
        `${killRules(p)}alerts:\n  sinks:\n    - name: hook\n      type: webhook\n      url: { file: ${secret} }\n`,
      );
    },
  },
  {
    name: "a secret file that is a FIFO",
    expect: /^10:20 alerts\.sinks\[0\]\.url\.file: secret file .*: not a regular file \(a FIFO\)/,
    make: (dir, p) => {
      const secret = join(dir, "token-fifo");
      execFileSync("mkfifo", ["-m", "600", secret]);
      return file(
        dir,
        "fifo-secret.yaml",
        `${killRules(p)}alerts:\n  sinks:\n    - name: hook\n      type: webhook\n      url: { file: ${secret} }\n`,
      );
    },
  },
];

/** Every case, static and made; `make` writes into the directory it is given. */
export function hostileCases(): HostileCase[] {
  const present = readdirSync(HOSTILE_DIR).sort();
  const listed = Object.keys(STATIC).sort();
  if (present.join("\n") !== listed.join("\n")) {
    throw new Error(
      `test/fixtures/hostile-configs/ and the list in hostile-configs.ts differ: ${present
        .filter((f) => !listed.includes(f))
        .concat(listed.filter((f) => !present.includes(f)))
        .join(", ")}`,
    );
  }
  const fixtures: HostileCase[] = listed.map((name) => ({
    name,
    expect: STATIC[name]!,
    ...(LIVE.has(name) && { live: true as const }),
    make: (dir, pattern) =>
      file(dir, name, withPattern(readFileSync(join(HOSTILE_DIR, name)), pattern)),
  }));
  return [...fixtures, ...MADE];
}
