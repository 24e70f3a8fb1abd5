// Literal text every match of a pattern must contain, so that a command line without any of it
// is told "no match" by String.includes instead of by the regex engine: at 10,000 processes the
// bundled rules' patterns took 150–165 ms of a dry run's plan through re2js (issue 14), and most
// command lines contain none of "uvicorn", "--inspect", "gunicorn"…
//
// requiredLiterals("\\buvicorn\\b.*\\s--reload") is ["--reload"] ("uvicorn" is required too: of
// the candidates, the one whose shortest member is longest is taken); "x(alpha|beta)" is
// ["alpha", "beta"] (any one of them). It reads the RE2 syntax conservatively: what it does not
// know for certain (flags such as (?i), \Q…\E, a brace that is not a repeat count, groups nested
// deeper than MAX_DEPTH) gives null, no prefilter, and the regex decides alone. It
// is sound by construction, and test/unit/config/pattern-literals.test.ts checks it against
// re2js on random patterns: whatever re2js matches contains one of the literals.
//
// A literal counts only where every match must pass through it: a run of plain characters in a
// top-level sequence, or a group (not quantified) whose every alternative has one. A character
// followed by a quantifier (?, *, +, {n}) is left out and ends the run.

/** Any one of these occurs in every match; null when nothing certain is known. */
export type Literals = readonly string[] | null;

class Unsure extends Error {}

/** Groups nested deeper give null: the parser recurses, and re2js takes 50,000 levels. */
const MAX_DEPTH = 100;

export function requiredLiterals(source: string): Literals {
  try {
    const parser = new Parser(source);
    const needs = parser.alternation();
    if (parser.pos !== source.length) return null; // a stray ")": re2js refuses it anyway
    return union(needs);
  } catch (error) {
    if (error instanceof Unsure) return null;
    throw error;
  }
}

/** Every branch must have its literals, else none of them helps. */
function union(needs: readonly Literals[]): Literals {
  if (needs.length === 0 || needs.some((n) => n === null)) return null;
  return [...new Set(needs.flatMap((n) => n as readonly string[]))];
}

/** The better requirement to test: the longer shortest member, then fewer members. */
function better(a: Literals, b: Literals): Literals {
  if (a === null) return b;
  if (b === null) return a;
  const shortest = (l: readonly string[]): number => Math.min(...l.map((s) => s.length));
  const [sa, sb] = [shortest(a), shortest(b)];
  if (sa !== sb) return sa > sb ? a : b;
  return a.length <= b.length ? a : b;
}

const PUNCTUATION = /[!-/:-@[-`{-~]/;
/** Escapes of one character that match one character or none, never text of their own. */
const CLASS_ESCAPES = new Set([..."dDsSwWbBAzaftnrv"]);

class Parser {
  pos = 0;
  private depth = 0;
  constructor(private readonly src: string) {}

  /** Branches up to ")" or the end: each branch's literals. */
  alternation(): Literals[] {
    const needs: Literals[] = [this.branch()];
    while (this.src[this.pos] === "|") {
      this.pos += 1;
      needs.push(this.branch());
    }
    return needs;
  }

  private branch(): Literals {
    let best: Literals = null;
    let run = "";
    const flush = (): void => {
      if (run !== "") best = better(best, [run]);
      run = "";
    };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos] as string;
      if (c === "|" || c === ")") break;
      if (c === "(") {
        flush();
        this.groupOpening();
        if (++this.depth > MAX_DEPTH) throw new Unsure();
        const inner = this.alternation();
        this.depth -= 1;
        if (this.src[this.pos] !== ")") throw new Unsure();
        this.pos += 1;
        if (!this.quantifier()) best = better(best, union(inner));
        continue;
      }
      if (c === "[") {
        flush();
        this.characterClass();
        this.quantifier();
        continue;
      }
      if (c === "." || c === "^" || c === "$") {
        flush();
        this.pos += 1;
        this.quantifier();
        continue;
      }
      if (c === "*" || c === "+" || c === "?" || c === "{" || c === "}") throw new Unsure();
      let literal: string;
      if (c === "\\") {
        const escaped = this.escape();
        if (escaped === null) {
          flush();
          this.quantifier();
          continue;
        }
        literal = escaped;
      } else {
        literal = String.fromCodePoint(this.src.codePointAt(this.pos) as number);
        this.pos += literal.length;
      }
      if (this.quantifier()) flush();
      else run += literal;
    }
    flush();
    return best;
  }

  /** After "(": a plain, non-capturing or named group; flags are not followed. */
  private groupOpening(): void {
    this.pos += 1;
    if (this.src[this.pos] !== "?") return;
    const rest = this.src.slice(this.pos);
    const named = /^\?P?<[A-Za-z0-9_]+>/.exec(rest);
    if (rest.startsWith("?:")) this.pos += 2;
    else if (named) this.pos += named[0].length;
    else throw new Unsure();
  }

  /** After "\": the character it stands for, or null for a class or an assertion (skipped). */
  private escape(): string | null {
    const next = this.src[this.pos + 1];
    if (next === undefined) throw new Unsure();
    if (PUNCTUATION.test(next)) {
      this.pos += 2;
      return next;
    }
    if (CLASS_ESCAPES.has(next)) {
      this.pos += 2;
      return null;
    }
    if (next === "p" || next === "P" || next === "x") {
      const braced = /^\\[pPx]\{[^}]*\}/.exec(this.src.slice(this.pos));
      const short = next === "x" ? /^\\x[0-9A-Fa-f]{2}/ : /^\\[pP][A-Za-z]/;
      const m = braced ?? short.exec(this.src.slice(this.pos));
      if (!m) throw new Unsure();
      this.pos += m[0].length;
      return null;
    }
    const octal = /^\\[0-7]{1,3}/.exec(this.src.slice(this.pos));
    if (octal) {
      this.pos += octal[0].length;
      return null;
    }
    throw new Unsure();
  }

  /** A bracketed class, skipped: "]" first is a member, [:name:] a named class, \x an escape. */
  private characterClass(): void {
    this.pos += 1;
    if (this.src[this.pos] === "^") this.pos += 1;
    if (this.src[this.pos] === "]") this.pos += 1;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === "]") {
        this.pos += 1;
        return;
      }
      if (c === "\\") {
        this.pos += 1;
        const next = this.src[this.pos];
        const braced = /^[pPx]\{[^}]*\}/.exec(this.src.slice(this.pos));
        if (braced) this.pos += braced[0].length;
        else if (next !== undefined) this.pos += 1;
        continue;
      }
      if (c === "[" && this.src[this.pos + 1] === ":") {
        const end = this.src.indexOf(":]", this.pos + 2);
        if (end < 0) throw new Unsure();
        this.pos = end + 2;
        continue;
      }
      this.pos += 1;
    }
    throw new Unsure();
  }

  /** Skips a quantifier (and its lazy "?") if one is here. */
  private quantifier(): boolean {
    const c = this.src[this.pos];
    let end: number;
    if (c === "*" || c === "+" || c === "?") end = this.pos + 1;
    else if (c === "{") {
      const m = /^\{[0-9]+(,[0-9]*)?\}/.exec(this.src.slice(this.pos));
      if (!m) throw new Unsure();
      end = this.pos + m[0].length;
    } else return false;
    if (this.src[end] === "?") end += 1;
    this.pos = end;
    return true;
  }
}
