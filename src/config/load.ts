// read → parse YAML with positions → validate against the schema → normalise units and regexes.
// Any problem: every one found is thrown together as a ConfigError; nothing downstream runs.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { crossChecks, type CrossIssue } from "./cross-checks.js";
import { ConfigError, formatPath, type ConfigProblem } from "./errors.js";
import { keyNodeAt, knownKeysAt, nodeAt, positionOf, sourceOf } from "./locate.js";
import { normalise } from "./normalise.js";
import { rulesFileSchema } from "./schema.js";
import { didYouMean } from "./suggest.js";
import type { Config } from "./types.js";

export function loadConfigFile(path: string): Config {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "file not found"
        : (error as Error).message;
    throw new ConfigError(file, [
      { file, line: 1, col: 1, path: "", problem: `cannot read config: ${reason}` },
    ]);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file: string): Config {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((error) => ({
        file,
        ...counter.linePos(error.pos[0]),
        path: "",
        problem: `YAML syntax error: ${firstLine(error.message)}`,
      })),
    );
  }
  const raw: unknown = doc.toJS();
  const result = rulesFileSchema.safeParse(raw);
  const issues: Issue[] = [...(result.success ? [] : result.error.issues), ...crossChecks(raw)];
  if (issues.length > 0 || !result.success) {
    const problems = issues.flatMap((issue) => describeIssue(issue, doc, counter, text, file));
    problems.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new ConfigError(file, problems);
  }
  return normalise(result.data, file);
}

type Issue = z.core.$ZodIssue | CrossIssue;

function describeIssue(
  issue: Issue,
  doc: ReturnType<typeof parseDocument>,
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
      got: exact ? sourceOf(node, text) : "nothing",
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

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
