// read → parse YAML with positions → validate against the schema → normalise units and regexes.
// Any problem: every one found is thrown together as a ConfigError; nothing downstream runs.
// The file is read only if it is a regular file of at most MAX_CONFIG_BYTES that, as root, no
// other user can write (trusted-file.ts); its YAML is bounded in depth, aliases and tags
// (input-limits.ts) before the recursive steps (yaml's composer, zod) see it. Each problem is
// placed in the source by issues.ts.
import { resolve } from "node:path";
import { Composer, LineCounter, Parser, YAMLParseError, type CST, type Document } from "yaml";
import { crossChecks } from "./cross-checks.js";
import { ConfigError, formatPath, type ConfigProblem } from "./errors.js";
import { hostFactProblems, type HostFacts } from "./host-facts.js";
import {
  controlCharacterProblem,
  depthProblem,
  firstAliasOffset,
  firstInvalidUtf8,
  indentationProblem,
  nodeProblem,
  type LimitProblem,
} from "./input-limits.js";
import { describeIssue, firstProblems, type Issue } from "./issues.js";
import { keyNodeAt, nodeAt, positionInText, positionOf } from "./locate.js";
import { normalise } from "./normalise.js";
import { rulesFileSchema } from "./schema.js";
import { secretFileProblems } from "./secret-files.js";
import { readTrustedFile, trustProblem, UntrustedFileError } from "./trusted-file.js";
import type { Config } from "./types.js";

/**
 * A rules file is a few KiB (the bundled one: 9 KiB). The cap bounds what parsing may cost: yaml
 * took 5 s and zod 2.7 s (2 busy cores) on 700 KB of `- {}` entries, 300,000 problems.
 */
export const MAX_CONFIG_BYTES = 256 * 1024;

export interface LoadOptions {
  /** --allow-untrusted-config: read it as root even if another user owns or can write it. */
  allowUntrusted?: boolean;
  /** The effective uid (tests); default process.geteuid(). */
  euid?: number;
  /** `cleanup check`: what the host lacks, and where to hear of the keys that need it. */
  hostFacts?: HostFactsCheck;
}

export interface HostFactsCheck {
  facts: HostFacts;
  /** Told the keys this host cannot serve (none: an empty list), placed in the file. */
  report: (problems: ConfigProblem[]) => void;
}

export function loadConfigFile(path: string, options: LoadOptions = {}): Config {
  const file = resolve(path);
  const atTop = (problem: string): ConfigError =>
    new ConfigError(file, [{ file, line: 1, col: 1, path: "", problem }]);
  let bytes: Buffer;
  try {
    bytes = readTrustedFile(file, MAX_CONFIG_BYTES, options);
  } catch (error) {
    if (error instanceof UntrustedFileError) {
      const override = error.reason.startsWith("refused")
        ? "; --allow-untrusted-config reads it anyway"
        : "";
      throw atTop(`cannot read config: ${error.reason}${override}`);
    }
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "file not found"
        : (error as Error).message;
    throw atTop(`cannot read config: ${reason}`);
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const before = bytes.subarray(0, bad).toString("utf8");
    throw new ConfigError(file, [
      {
        file,
        ...positionInText(before, before.length),
        path: "",
        problem: `not UTF-8: byte 0x${bytes[bad]!.toString(16).padStart(2, "0")} at offset ${bad}`,
      },
    ]);
  }
  return parseConfig(bytes.toString("utf8"), file, {
    ...(options.hostFacts && { hostFacts: options.hostFacts }),
    secretProblem: (secret, trustPaths) => trustProblem(secret, { trustPaths, euid: options.euid }),
  });
}

export interface ParseOptions {
  /**
   * Why a `{ file: PATH }` secret would be refused (trusted-file.ts), or undefined; a missing
   * file is not a problem here: it fails only its sink, when that sends.
   */
  secretProblem?: (path: string, trustPaths: readonly string[]) => string | undefined;
  hostFacts?: HostFactsCheck;
}

export function parseConfig(text: string, file: string, options: ParseOptions = {}): Config {
  const limited = (limit: LimitProblem | undefined): void => {
    if (limit) {
      const where = positionInText(text, limit.offset);
      throw new ConfigError(file, [{ file, ...where, path: "", problem: limit.problem }]);
    }
  };
  limited(controlCharacterProblem(text) ?? indentationProblem(text));
  const counter = new LineCounter();
  const tokens = yamlInput(file, () => [...new Parser(counter.addNewLine).parse(text)]);
  // Before yaml's composer sees them: it recurses once per level.
  const deep = depthProblem(tokens);
  if (deep) {
    throw new ConfigError(file, [
      { file, ...counter.linePos(deep.offset), path: "", problem: deep.problem },
    ]);
  }
  const doc = yamlInput(file, () => composeOne(tokens, text.length));
  // Warnings too (an unresolved tag, an ambiguous alias): a value yaml guessed is not one to act on.
  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length > 0) {
    throw new ConfigError(
      file,
      firstProblems(yamlProblems, (error) => [
        {
          file,
          ...counter.linePos(error.pos[0]),
          path: "",
          problem: `YAML syntax error: ${firstLine(error.message)}`,
        },
      ]),
    );
  }
  limited(nodeProblem(doc));
  // maxAliasCount is yaml's own guard; nodeProblem's bound is tighter and positioned.
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Only yaml's alias guard is expected here (nodeProblem passed); anything else is ours to see.
    if (!(error instanceof ReferenceError)) throw error;
    throw new ConfigError(file, [
      {
        file,
        ...counter.linePos(firstAliasOffset(doc)),
        path: "",
        problem: `aliases expand too far (${error.message})`,
      },
    ]);
  }
  const result = yamlInput(file, () => rulesFileSchema.safeParse(raw));
  const issues: Issue[] = [...(result.success ? [] : result.error.issues), ...crossChecks(raw)];
  if (issues.length > 0 || !result.success) {
    const problems = firstProblems(issues, (issue) =>
      describeIssue(issue, doc, counter, text, file),
    );
    throw new ConfigError(file, problems);
  }
  if (options.secretProblem) {
    const problems = secretFileProblems(result.data, options.secretProblem).map(
      ({ path, problem }) => ({
        file,
        ...positionOf(nodeAt(doc, path).node, counter),
        path: formatPath(path),
        problem,
      }),
    );
    if (problems.length > 0) throw new ConfigError(file, problems);
  }
  if (options.hostFacts)
    options.hostFacts.report(
      hostFactProblems(result.data, options.hostFacts.facts)
        .map(({ path, problem }) => ({
          file,
          ...positionOf(keyNodeAt(doc, path.slice(0, -1), String(path.at(-1))), counter),
          path: formatPath(path),
          problem,
        }))
        .sort((a, b) => a.line - b.line || a.col - b.col),
    );
  return normalise(result.data, file);
}

/**
 * yaml and zod on hostile input: whatever they throw (a RangeError from a stack they exhausted,
 * yaml's ReferenceError for an alias bomb) is about this file, not a bug of ours to crash on.
 */
function yamlInput<T>(file: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ConfigError(file, [
      {
        file,
        line: 1,
        col: 1,
        path: "",
        problem: `cannot be read as a rules file (${firstLine(message)})`,
      },
    ]);
  }
}

/** What yaml's parseDocument does, on tokens already parsed (and checked for depth). */
function composeOne(tokens: readonly CST.Token[], length: number): Document.Parsed {
  const composer = new Composer({ prettyErrors: false, uniqueKeys: true });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(
        new YAMLParseError(
          [next.range[0], next.range[1]],
          "MULTIPLE_DOCS",
          "Source contains multiple documents",
        ),
      );
      break;
    }
  }
  return doc!;
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
