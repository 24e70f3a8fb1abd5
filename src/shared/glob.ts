// Expands the absolute glob patterns of a service's `pid_files` (Node 20 has no fs.glob).
// Per path segment: `*` (any run of characters), `?` (one character) and `[abc]`, `[a-z]`,
// `[!x]` (or `[^x]`); none of them matches `/`, and `*`, `?` and classes do not match a name's
// leading `.` unless the pattern segment itself starts with `.` (as in sh and glob(7)).
// `**` is not supported, and there is no backslash escape: a literal `[` is written `[[]`.
import { readdirSync, statSync, type Dirent } from "node:fs";

/**
 * At most this many matches per pattern: a pattern that names more files than any service has
 * PID files (`/home/*\/*\/*`) must not make a run read a whole file system. The matches kept are
 * the first ones in directory-by-directory sorted order.
 */
export const MAX_MATCHES = 1000;

/** What is wrong with a pattern, or null: "problem; expected …", like the config's messages. */
export function globProblem(pattern: string): string | null {
  if (pattern.length === 0) return "empty; expected a path or glob, e.g. .pids/*.pid";
  if (pattern.includes("\0")) return "contains a NUL character; expected a path or glob";
  if (pattern.includes("**"))
    return "'**' is not supported; expected * ? or [..] within one path segment";
  if (pattern.endsWith("/"))
    return "ends with '/', so it names a directory; expected a file name or glob after the last '/'";
  for (const segment of pattern.split("/")) {
    for (let i = 0; i < segment.length; i++) {
      if (segment[i] !== "[") continue;
      const parsed = parseClass(segment, i);
      if (parsed === null)
        return "unclosed '['; expected a class like [abc], [a-z] or [!x] closed by ']'";
      if (parsed.reversed !== null)
        return `range ${parsed.reversed} is reversed and matches nothing; expected the lower character first`;
      i = parsed.end;
    }
  }
  return null;
}

/**
 * Regular files (symlinks followed) matching an absolute pattern, sorted. Missing or unreadable
 * directories give no matches; nothing throws. A relative pattern gives none either: the config
 * resolves `pid_files` against the rules file's directory before they get here.
 */
export function expandGlob(pattern: string): string[] {
  if (!pattern.startsWith("/") || pattern.includes("\0")) return [];
  const segments = pattern.split("/").filter((s) => s.length > 0);
  if (segments.length === 0) return []; // "/" is no file
  const matches: string[] = [];
  walk("/", segments, 0, matches);
  return matches.sort();
}

function walk(dir: string, segments: string[], index: number, out: string[]): void {
  if (out.length >= MAX_MATCHES) return;
  const segment = segments[index] as string;
  const last = index === segments.length - 1;
  if (!hasWildcard(segment)) {
    const path = join(dir, segment);
    if (!last) walk(path, segments, index + 1, out);
    else if (isFile(path)) out.push(path);
    return;
  }
  const matcher = segmentMatcher(segment);
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // missing, not a directory, or not ours to read: no matches
  }
  const names = entries
    .filter((entry) => matcher(entry.name))
    .map((entry) => ({ entry, name: entry.name }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { entry, name } of names) {
    if (out.length >= MAX_MATCHES) return;
    const path = join(dir, name);
    if (last) {
      if (entry.isFile() || ((entry.isSymbolicLink() || unknownType(entry)) && isFile(path)))
        out.push(path);
    } else if (entry.isDirectory() || entry.isSymbolicLink() || unknownType(entry)) {
      walk(path, segments, index + 1, out);
    }
  }
}

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Some file systems report DT_UNKNOWN: then only stat() says what the entry is. */
function unknownType(entry: Dirent): boolean {
  return (
    !entry.isFile() &&
    !entry.isDirectory() &&
    !entry.isSymbolicLink() &&
    !entry.isFIFO() &&
    !entry.isSocket() &&
    !entry.isCharacterDevice() &&
    !entry.isBlockDevice()
  );
}

function hasWildcard(segment: string): boolean {
  return /[*?[]/.test(segment);
}

interface ParsedClass {
  /** Index of the closing "]". */
  end: number;
  negated: boolean;
  /** Single characters and inclusive ranges, as code points. */
  ranges: [number, number][];
  /** "z-a" for a reversed range, else null. */
  reversed: string | null;
}

/** The class starting at segment[start] === "["; null when it is not closed. */
function parseClass(segment: string, start: number): ParsedClass | null {
  let i = start + 1;
  let negated = false;
  if (segment[i] === "!" || segment[i] === "^") {
    negated = true;
    i += 1;
  }
  const chars = Array.from(segment.slice(i));
  const ranges: [number, number][] = [];
  let reversed: string | null = null;
  // A "]" right after "[" or "[!" is a member, not the end.
  let first = true;
  let offset = i;
  for (let k = 0; k < chars.length; k++) {
    const c = chars[k] as string;
    if (c === "]" && !first) {
      return { end: offset, negated, ranges, reversed };
    }
    first = false;
    const next = chars[k + 1];
    const after = chars[k + 2];
    if (next === "-" && after !== undefined && after !== "]") {
      const from = c.codePointAt(0) as number;
      const to = after.codePointAt(0) as number;
      if (from > to) reversed ??= `${c}-${after}`;
      ranges.push([from, to]);
      offset += c.length + next.length + after.length;
      k += 2;
    } else {
      const code = c.codePointAt(0) as number;
      ranges.push([code, code]);
      offset += c.length;
    }
  }
  return null;
}

/**
 * Whether a name (no `/` in it, such as a systemd unit's) matches one glob segment: `*`, `?`
 * and classes as above; a name with a `/` never matches.
 */
export function globMatcher(segment: string): (name: string) => boolean {
  const test = segmentMatcher(segment);
  return (name) => !name.includes("/") && test(name);
}

/** A matcher for one pattern segment; an unclosed "[" is taken literally (globProblem reports it). */
function segmentMatcher(segment: string): (name: string) => boolean {
  let source = "^";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else if (c === "[") {
      const parsed = parseClass(segment, i);
      if (parsed === null) {
        source += "\\[";
        continue;
      }
      const members = parsed.ranges
        .map(([from, to]) =>
          from === to ? escapeCode(from) : `${escapeCode(from)}-${escapeCode(to)}`,
        )
        .join("");
      // A reversed range matches nothing; an empty class never occurs ("[]" needs a member).
      const valid = parsed.reversed === null;
      source += !valid ? "(?!)" : parsed.negated ? `[^/${members}]` : `[${members}]`;
      i = parsed.end;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  const regex = new RegExp(`${source}$`, "u");
  const explicitDot = segment.startsWith(".");
  return (name) => (explicitDot || !name.startsWith(".")) && regex.test(name);
}

function escapeCode(code: number): string {
  return `\\u{${code.toString(16)}}`;
}
