// A file rule's path: an absolute, literal, normalised directory and a glob for the names in it
// (`/dev/shm/psm_*`, `/dev/shm/torch_<pid>_*`). The directory is literal so that a rule reads
// exactly the directories it names and never walks or leaves one; the glob is for one name
// only. Names are chosen by any local user, so the glob is compiled to RE2 (config/pattern.ts:
// linear time, whatever the name) rather than to a backtracking RegExp (`*a*a*a*b` on a long
// name). Wildcards as in sh: `*`, `?`, `[abc]`, `[a-z]`, `[!x]` (or `[^x]`); a wildcard matches
// any character but `/` (a newline too: a hostile name is still a name), and not a name's
// leading `.` unless the glob itself starts with `.`. No backslash escape: a literal `[` is `[[]`.
//
// `<pid>` is a decimal pid (1 to PID_MAX_LIMIT, no leading zero) that names the file's creator.
// Which digits are the pid must never be a guess (a wrong pid can make a live creator look
// gone), so only one `<pid>` per glob, no `*` before it (it starts at a fixed offset) and a
// literal non-digit or the end of the name right after it (it ends at the first non-digit).
import { compilePattern, type Pattern } from "../pattern.js";

/** The kernel's PID_MAX_LIMIT (2^22): no pid is larger. */
export const PID_MAX = 4_194_304;
/** PATH_MAX and NAME_MAX: nothing longer can name a file. */
const MAX_PATH_CHARS = 4096;
const MAX_NAME_CHARS = 255;

export const PATH_GLOB_EXPECTED =
  "an absolute path like /dev/shm/psm_*: a literal directory, then a name with * ? [..] or <pid>";

export interface NameMatch {
  /** The creator's pid the name carries (`<pid>`); null when the glob has none. */
  pid: number | null;
}

export interface PathGlob {
  /** As written. */
  readonly text: string;
  /** The directory: absolute, literal, normalised, not `/`. */
  readonly dir: string;
  /** The glob for the names in it (the last component). */
  readonly name: string;
  readonly hasPid: boolean;
  /** Literal characters in the name glob: a remove rule needs some (cross-checks.ts). */
  readonly literalChars: number;
  /** Whether one directory entry's name matches, and the pid it carries. */
  match(name: string): NameMatch | null;
}

type Token =
  | { t: "lit"; c: string }
  | { t: "any" }
  | { t: "star" }
  | { t: "class"; negated: boolean; ranges: [number, number][] }
  | { t: "pid" };

export type Parsed = { ok: true; glob: PathGlob } | { ok: false; problem: string };

/** The glob, or what is wrong with it as "problem; expected X" (the config's message form). */
export function parsePathGlob(text: string): Parsed {
  const fail = (problem: string): Parsed => ({ ok: false, problem });
  if (text.length === 0) return fail(`empty; expected ${PATH_GLOB_EXPECTED}`);
  if (text.length > MAX_PATH_CHARS)
    return fail(`too long (${text.length} characters); expected at most ${MAX_PATH_CHARS}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text))
    return fail(`contains a control character; expected ${PATH_GLOB_EXPECTED}`);
  if (!text.startsWith("/")) return fail(`not an absolute path; expected ${PATH_GLOB_EXPECTED}`);
  if (text.endsWith("/"))
    return fail("ends with '/'; expected a name or a glob after the last '/'");
  const parts = text.slice(1).split("/");
  for (const part of parts) {
    if (part === "") return fail("empty component ('//'); expected a normalised path");
    if (part === ".") return fail("'.' component; expected a normalised path");
    if (part === "..")
      return fail("'..' component: the path would leave its directory; expected a normalised path");
  }
  if (parts.length < 2)
    return fail("names an entry of / itself; expected a directory below /, e.g. /dev/shm/psm_*");
  const name = parts[parts.length - 1]!;
  const dir = `/${parts.slice(0, -1).join("/")}`;
  if (/[*?[]|<pid>/.test(dir))
    return fail(
      `glob in the directory part ${dir}; expected a literal directory, the glob only in the last component`,
    );
  if (name.length > MAX_NAME_CHARS)
    return fail(
      `name part too long (${name.length} characters); expected at most ${MAX_NAME_CHARS}`,
    );
  const tokens = tokenize(name);
  if (typeof tokens === "string") return fail(tokens);
  const problem = pidProblem(tokens);
  if (problem !== null) return fail(problem);
  return { ok: true, glob: compile(text, dir, name, tokens) };
}

function tokenize(name: string): Token[] | string {
  const chars = Array.from(name);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === "*") {
      if (tokens.at(-1)?.t !== "star") tokens.push({ t: "star" }); // `**` is `*`
    } else if (c === "?") tokens.push({ t: "any" });
    else if (c === "[") {
      const parsed = parseClass(chars, i);
      if (typeof parsed === "string") return parsed;
      tokens.push({ t: "class", negated: parsed.negated, ranges: parsed.ranges });
      i = parsed.end;
    } else if (c === "<") {
      const rest = chars.slice(i).join("");
      const placeholder = /^<([A-Za-z_]+)>/.exec(rest);
      if (placeholder?.[1] === "pid") {
        tokens.push({ t: "pid" });
        i += "<pid>".length - 1;
      } else if (placeholder) {
        return `unknown placeholder '${placeholder[0]}'; expected <pid> (a decimal pid)`;
      } else tokens.push({ t: "lit", c });
    } else tokens.push({ t: "lit", c });
  }
  return tokens;
}

/** The class starting at chars[start] === "[": its members and closing index, or a problem. */
function parseClass(
  chars: string[],
  start: number,
): { end: number; negated: boolean; ranges: [number, number][] } | string {
  let i = start + 1;
  const negated = chars[i] === "!" || chars[i] === "^";
  if (negated) i += 1;
  const ranges: [number, number][] = [];
  // A "]" right after "[" or "[!" is a member, not the end.
  for (let first = true; i < chars.length; i++, first = false) {
    const c = chars[i]!;
    if (c === "]" && !first) return { end: i, negated, ranges };
    const after = chars[i + 2];
    if (chars[i + 1] === "-" && after !== undefined && after !== "]") {
      const from = c.codePointAt(0)!;
      const to = after.codePointAt(0)!;
      if (from > to)
        return `range ${c}-${after} is reversed and matches nothing; expected the lower character first`;
      ranges.push([from, to]);
      i += 2;
    } else ranges.push([c.codePointAt(0)!, c.codePointAt(0)!]);
  }
  return "unclosed '['; expected a class like [abc], [a-z] or [!x] closed by ']'";
}

/** Why the digits `<pid>` stands for could be read more than one way, or null. */
function pidProblem(tokens: Token[]): string | null {
  const at = tokens.findIndex((t) => t.t === "pid");
  if (at < 0) return null;
  if (tokens.findIndex((t, i) => i > at && t.t === "pid") >= 0)
    return "more than one <pid>; expected at most one <pid> in a name";
  if (tokens.slice(0, at).some((t) => t.t === "star"))
    return "a '*' before <pid> makes the pid ambiguous; expected only literal characters, ? or [..] before <pid>";
  const next = tokens[at + 1];
  if (next !== undefined && !(next.t === "lit" && !/[0-9]/.test(next.c)))
    return "<pid> must be followed by a literal non-digit character or end the name, so the pid is unambiguous; expected e.g. torch_<pid>_*";
  return null;
}

function compile(text: string, dir: string, name: string, tokens: Token[]): PathGlob {
  const source = `^${tokens.map(toRe2).join("")}$`;
  const pattern: Pattern = compilePattern(source);
  const pidAt = tokens.findIndex((t) => t.t === "pid");
  // Wildcards do not match a leading "." (as in sh) unless the glob starts with one itself.
  const explicitDot = name.startsWith(".");
  return {
    text,
    dir,
    name,
    hasPid: pidAt >= 0,
    literalChars: tokens.filter((t) => t.t === "lit").length,
    match(entry) {
      if (!isEntryName(entry) || (!explicitDot && entry.startsWith("."))) return null;
      if (!pattern.test(entry)) return null;
      if (pidAt < 0) return { pid: null };
      // Every token before <pid> matches one character: the pid starts at a fixed offset.
      const digits = /^[0-9]+/.exec(Array.from(entry).slice(pidAt).join(""))?.[0] ?? "";
      const pid = Number(digits);
      return pid >= 1 && pid <= PID_MAX ? { pid } : null;
    },
  };
}

/** One path component as readdir gives it; anything else never matches. */
function isEntryName(entry: string): boolean {
  return (
    entry.length > 0 &&
    entry.length <= MAX_PATH_CHARS &&
    entry !== "." &&
    entry !== ".." &&
    !entry.includes("/") &&
    !entry.includes("\0")
  );
}

function toRe2(token: Token): string {
  switch (token.t) {
    case "lit":
      // ASCII punctuation escaped with "\": pattern.ts then matches a literal glob without RE2.
      return /[!-/:-@[-`{-~]/.test(token.c) ? `\\${token.c}` : token.c;
    case "any":
      return "[^/]";
    case "star":
      return "[^/]*";
    case "pid":
      return "[1-9][0-9]{0,6}";
    case "class": {
      const members = token.ranges
        .map(([from, to]) => (from === to ? hex(from) : `${hex(from)}-${hex(to)}`))
        .join("");
      return token.negated ? `[^/${members}]` : `[${members}]`;
    }
  }
}

function hex(code: number): string {
  return `\\x{${code.toString(16)}}`;
}
