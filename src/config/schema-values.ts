// The value types of rules.yaml's schema, shared by its parts: durations, sizes, percentages,
// RE2 patterns, booleans and counts, each with its "problem; expected X" message.
import { z } from "zod";
import { patternProblem } from "./pattern.js";
import {
  DURATION_EXAMPLE,
  DURATION_PATTERN,
  PERCENT_EXAMPLE,
  PERCENT_PATTERN,
  SIZE_EXAMPLE,
  SIZE_PATTERN,
  parseDuration,
  parsePercent,
  parseSize,
} from "./units.js";

export const typeError =
  (expected: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined
      ? `missing; expected ${expected}`
      : `wrong type; expected ${expected}`;

export const duration = z
  .string({ error: typeError(DURATION_EXAMPLE) })
  .refine((text) => parseDuration(text).ok, {
    error: (issue) => {
      const result = parseDuration(String(issue.input));
      return `${result.ok ? "invalid duration" : result.problem}; expected ${DURATION_EXAMPLE}`;
    },
  })
  .meta({ pattern: DURATION_PATTERN, description: DURATION_EXAMPLE });

export const size = z
  .string({ error: typeError(SIZE_EXAMPLE) })
  .refine((text) => parseSize(text).ok, {
    error: (issue) => {
      const result = parseSize(String(issue.input));
      return `${result.ok ? "invalid size" : result.problem}; expected ${SIZE_EXAMPLE}`;
    },
  })
  .meta({ pattern: SIZE_PATTERN, description: SIZE_EXAMPLE });

export const percent = z
  .string({ error: typeError(PERCENT_EXAMPLE) })
  .refine((text) => parsePercent(text).ok, {
    error: (issue) => {
      const result = parsePercent(String(issue.input));
      return `${result.ok ? "invalid percentage" : result.problem}; expected ${PERCENT_EXAMPLE}`;
    },
  })
  .meta({ pattern: PERCENT_PATTERN, description: PERCENT_EXAMPLE });

const REGEX_EXPECTED = "an RE2 regular expression, e.g. 'multiprocessing\\.spawn'";
export const regex = z
  .string({ error: typeError(REGEX_EXPECTED) })
  .refine((s) => patternProblem(s) === null, {
    error: (issue) =>
      `invalid regular expression: ${patternProblem(String(issue.input))}; expected ${REGEX_EXPECTED}`,
  });

export const boolean = (what: string) => z.boolean({ error: typeError(`true or false (${what})`) });

export const positiveInt = (what: string) =>
  z
    .number({ error: typeError(`a whole number (${what})`) })
    .int({ error: `not a whole number; expected a whole number (${what})` })
    .min(1, { error: `too small; expected at least 1 (${what})` });

export const runs = (what: string) =>
  z
    .number({ error: typeError("a whole number of runs") })
    .int({ error: "not a whole number; expected a whole number of runs" })
    .min(1, { error: "too small; expected at least 1" })
    .optional()
    .describe(what);
