// The one regex engine of user-given patterns (rule, protect and service selectors). Any local
// user chooses their own argv, so a pattern is matched by RE2 (re2js): time linear in the text,
// whatever the pattern. JavaScript's backtracking engine took 157 s for the bundled uvicorn
// rule on a 1 MB argv, and 172 s for `(a+)+$` on 40 `a`s and a `!`. Nothing else imports
// re2js: the engine can change here alone. Why re2js and what it costs: README, "Patterns".
import type { RE2JS } from "re2js";
import { requiredLiterals } from "./pattern-literals.js";

type Engine = typeof import("re2js");
let engine: Engine | undefined;

/**
 * re2js, loaded at the first pattern that is not plain text: `--version` and a run whose rules
 * are all plain text never load it (measured: +3 MiB and +25 ms at start when it is imported,
 * which took the 10,000-process benchmark's dry run to 81–83 MiB). A require() call, which
 * esbuild bundles as a CommonJS module evaluated when first called; an import is evaluated at
 * every start of the bundle.
 */
function re2(): Engine["RE2JS"] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  engine ??= require("re2js") as Engine;
  return engine.RE2JS;
}

/** A compiled pattern: searched anywhere in a text, like RegExp.prototype.test without flags. */
export interface Pattern {
  /** As written in the config, for the facts an operator reads ("cmdline matches /…/"). */
  readonly source: string;
  test(text: string): boolean;
}

const WHY = "patterns are matched in linear time, RE2 syntax";

/** Throws an Error whose message is patternProblem's; the schema has checked it before. */
export function compilePattern(source: string): Pattern {
  const literal = literalOf(source);
  if (literal !== null) return { source, test: literal };
  const re = compiled(source);
  if (re instanceof RE2Failure)
    throw new Error(`invalid pattern /${source}/: ${describe(source, re.error)}`);
  // A text without any of the literals every match contains cannot match (pattern-literals.ts).
  const literals = requiredLiterals(source);
  if (literals === null) return { source, test: (text) => re.test(text) };
  const [only] = literals;
  if (literals.length === 1 && only !== undefined)
    return { source, test: (text) => text.includes(only) && re.test(text) };
  return { source, test: (text) => literals.some((l) => text.includes(l)) && re.test(text) };
}

/** What re2js threw for a source, kept as a value so that the memo below holds failures too. */
class RE2Failure {
  constructor(readonly error: unknown) {}
}

/**
 * One load compiles each pattern up to three times: the schema's check (patternProblem), the
 * "matches everything" cross-check and normalise (compilePattern). Compiling is the costliest
 * step of a cold load (re2js parses and compiles in the interpreter then), so each source is
 * compiled once per process: a compiled RE2JS is immutable and holds no state between tests.
 * Bounded, because the daemon loads the file again at each reload; nothing here outlives the
 * process, and the answer is a pure function of the source.
 */
const memo = new Map<string, RE2JS | RE2Failure>();
const MEMO_LIMIT = 1_000;

function compiled(source: string): RE2JS | RE2Failure {
  let re = memo.get(source);
  if (re === undefined) {
    try {
      re = re2().compile(source);
    } catch (error) {
      re = new RE2Failure(error);
    }
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(source, re);
  }
  return re;
}

/** null if RE2 compiles `source`; otherwise what is wrong, in words, with its offset. */
export function patternProblem(source: string): string | null {
  if (literalOf(source) !== null) return null;
  const re = compiled(source);
  return re instanceof RE2Failure ? describe(source, re.error) : null;
}

/**
 * A pattern that is plain text (escaped punctuation allowed), perhaps anchored with ^ and $,
 * is matched with startsWith/endsWith/includes: the same answer as RE2, in linear time too.
 * Measured at 10,000 command lines, a token path rule like `^/opt/app/bin/worker ` took
 * 40 ms through re2js on a cold start (1.2 µs per line warm) and re2js's first compile added
 * 6 MiB of compiled code to the run; a plain text test costs neither.
 */
function literalOf(source: string): ((text: string) => boolean) | null {
  let at = 0;
  const end = source.length;
  const start = source.startsWith("^");
  if (start) at = 1;
  let text = "";
  let anchoredEnd = false;
  for (let i = at; i < end; i++) {
    const c = source[i]!;
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      if (!/[!-/:-@[-`{-~]/.test(next)) return null; // \d, \b, \x41…: not plain text
      text += next;
      i += 1;
    } else if (c === "$" && i === end - 1) {
      anchoredEnd = true;
    } else if ("^$.*+?()[]{}|".includes(c)) {
      return null;
    } else {
      text += c;
    }
  }
  if (start && anchoredEnd) return (t) => t === text;
  if (start) return (t) => t.startsWith(text);
  if (anchoredEnd) return (t) => t.endsWith(text);
  return (t) => t.includes(text);
}

function describe(source: string, error: unknown): string {
  const unsupportedConstruct = unsupported(source);
  if (unsupportedConstruct !== null) return unsupportedConstruct;
  const message = error instanceof Error ? error.message : String(error);
  return `${message.replace(/^error parsing regexp: /, "")} (${WHY})`;
}

/**
 * The Perl/JavaScript constructs RE2 leaves out on purpose, named so the operator knows it is
 * the engine's choice and not a typo. Runs only on a pattern RE2 rejected.
 */
function unsupported(source: string): string | null {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const at = `at character ${i + 1}`;
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      if (!inClass && /[1-9]/.test(next))
        return `backreference \\${next} ${at} is not supported (${WHY})`;
      if (!inClass && next === "k" && source[i + 2] === "<")
        return `backreference \\k<…> ${at} is not supported (${WHY})`;
      i += 1;
    } else if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") {
      inClass = true;
      // A "]" first in a class ("[]a]", "[^]a]") is a member, not its end.
      if (source[i + 1] === "^") i += 1;
      if (source[i + 1] === "]") i += 1;
    } else if (c === "(" && source[i + 1] === "?") {
      const rest = source.slice(i + 2, i + 4);
      if (rest.startsWith("=") || rest.startsWith("!"))
        return `lookahead (?${rest[0]} ${at}: lookaround is not supported (${WHY})`;
      if (rest === "<=" || rest === "<!")
        return `lookbehind (?${rest} ${at}: lookaround is not supported (${WHY})`;
      if (rest.startsWith(">")) return `atomic group (?> ${at} is not supported (${WHY})`;
    }
  }
  return null;
}
