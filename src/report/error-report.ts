// What a command prints with --json when it fails before it has a report of its own (src/main.ts
// holds the catch): the error in a script's terms, and the exit code it ends with.
import { ConfigError, type ConfigProblem } from "../config/errors.js";
import { ERROR_FORMAT } from "./formats.js";

export type ErrorDescription =
  /** The config did not load: every problem, with its line and column. */
  | { kind: "config"; file: string; problems: ConfigProblem[] }
  /** Anything else: the error's name (UsageError, ScanError, Error …) and message. */
  | { kind: string; message: string };

export interface ErrorReport {
  format: typeof ERROR_FORMAT;
  error: ErrorDescription;
  exitCode: number;
}

export function errorReport(error: unknown, exitCode: number): ErrorReport {
  return { format: ERROR_FORMAT, error: describeError(error), exitCode };
}

function describeError(error: unknown): ErrorDescription {
  if (error instanceof ConfigError)
    return { kind: "config", file: error.file, problems: error.problems };
  if (error instanceof Error) return { kind: error.name, message: error.message };
  return { kind: "unknown", message: String(error) };
}

/** The document and a newline. */
export function renderErrorJson(error: unknown, exitCode: number): string {
  return `${JSON.stringify(errorReport(error, exitCode))}\n`;
}
