// Problems found by the schema or the cross-checks, placed in the YAML source: line and column,
// what was got (a short excerpt) and what was expected, with a "did you mean" for an unknown key
// or value. At most MAX_PROBLEMS are described, then one line for the rest.
import type { Document, LineCounter } from "yaml";
import type { z } from "zod";
import type { CrossIssue } from "./cross-checks.js";
import { formatPath, type ConfigProblem } from "./errors.js";
import { keyNodeAt, knownKeysAt, nodeAt, positionOf, sourceOf } from "./locate.js";
import { rulesFileSchema } from "./schema.js";
import { didYouMean } from "./suggest.js";

/**
 * Problems are reported up to MAX_PROBLEMS, in file order, then one line for the rest: 300,000
 * of them (a list of 100,000 empty rules) took 13 s to place in the file and print.
 */
export const MAX_PROBLEMS = 100;

export function firstProblems<T>(
  items: readonly T[],
  describe: (item: T) => ConfigProblem[],
): ConfigProblem[] {
  const problems = items.slice(0, MAX_PROBLEMS).flatMap(describe);
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  const rest = items.length - MAX_PROBLEMS;
  const next = rest > 0 ? describe(items[MAX_PROBLEMS]!)[0] : undefined;
  if (next) {
    problems.push({
      ...next,
      path: "",
      problem: `and ${rest} more problem${rest === 1 ? "" : "s"} from here on, not shown (the first ${MAX_PROBLEMS} are)`,
      got: undefined,
      expected: undefined,
    });
  }
  return problems;
}

export type Issue = z.core.$ZodIssue | CrossIssue;

export function describeIssue(
  issue: Issue,
  doc: Document.Parsed,
  counter: LineCounter,
  text: string,
  file: string,
): ConfigProblem[] {
  if ("code" in issue && issue.code === "unrecognized_keys") {
    const known = knownKeysAt(rulesFileSchema, issue.path);
    return issue.keys.map((key) => {
      const suggestion = didYouMean(key, known) ?? nestedSuggestion(key, issue.path, known);
      return {
        file,
        ...positionOf(keyNodeAt(doc, issue.path, key), counter),
        path: formatPath([...issue.path, key]),
        problem: suggestion ? `unknown key, did you mean '${suggestion}'?` : "unknown key",
        expected: `one of ${known.join(", ")}`,
      };
    });
  }
  const { node, exact } = nodeAt(doc, issue.path);
  const [problem, expected] = splitMessage(issue.message);
  let hint = "";
  if ("code" in issue && issue.code === "invalid_value" && exact) {
    const suggestion = didYouMean(String(doc.getIn(issue.path)), issue.values.map(String));
    if (suggestion) hint = `, did you mean '${suggestion}'?`;
  }
  return [
    {
      file,
      ...positionOf(node, counter),
      path: formatPath(issue.path),
      problem: problem + hint,
      got: exact ? excerpt(sourceOf(node, text)) : "nothing",
      expected,
    },
  ];
}

/** A key written one level too high, e.g. `older_than` beside `match` instead of under it. */
function nestedSuggestion(
  key: string,
  path: readonly PropertyKey[],
  known: string[],
): string | undefined {
  const nested = known.flatMap((parent) =>
    knownKeysAt(rulesFileSchema, [...path, parent]).map((child) => ({
      child,
      full: `${parent}.${child}`,
    })),
  );
  const child = didYouMean(
    key,
    nested.map((n) => n.child),
  );
  return nested.find((n) => n.child === child)?.full;
}

/** Schema messages are "problem; expected X" (see schema.ts). */
function splitMessage(message: string): [string, string | undefined] {
  const at = message.lastIndexOf("; expected ");
  if (at < 0) return [message, undefined];
  return [message.slice(0, at), message.slice(at + "; expected ".length)];
}

/** "got …" quotes at most this much of a value: a 200 KB string is not a message. */
const MAX_GOT = 120;

function excerpt(source: string): string {
  return source.length <= MAX_GOT
    ? source
    : `${source.slice(0, MAX_GOT)}… (${source.length} characters)`;
}
