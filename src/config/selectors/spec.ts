// What one selector declares on the config side: how the rules file spells it (its zod
// fragment), what it becomes after normalisation, and what the cross-field checks need to know
// about it. Its other half (how it matches, what the scan must read for it, what "unknown"
// means for protect, the words explain uses) is in src/rules/selectors/, because matching
// reads the scan's ProcessInfo and config/ sits below scan/ and rules/ (see registry.ts there).
import type { z } from "zod";
import { compilePattern } from "../pattern.js";

/**
 * What a selector says about a process, for the cross-field checks:
 *   what   which program it is (command line, name, executable): enough for a service
 *   whose  whose or whose child it is (user, parent): with "what", enough for a kill rule
 *   where  where it listens: never enough alone for a kill rule
 *   holds  which files it holds open: never enough alone for a kill rule
 */
export type Says = "what" | "whose" | "where" | "holds";

export interface SelectorSpec<
  Key extends string,
  Field extends string,
  Schema extends z.ZodOptional,
  Value,
> {
  /** As the rules file spells it. */
  readonly key: Key;
  /** As the normalised Selector (config/types.ts) names it. */
  readonly field: Field;
  /** The zod fragment, optional and described exactly as rules.schema.json shows it. */
  readonly schema: Schema;
  /** Raw (accepted by the schema) → normalised; only called on what the schema accepted. */
  normalise(raw: NonNullable<z.output<Schema>>): Value;
  readonly says: Says;
  /**
   * With says "where" or "holds": what it says instead of the program, for the message that
   * it is not enough alone for a kill rule ("a port says where a process listens").
   */
  readonly saysInstead?: string;
  /**
   * True when the raw value selects every process ('', '.*'): a kill rule or a service must
   * name something in particular. Only pattern selectors can; undefined = cannot.
   */
  selectsEverything?(raw: unknown): boolean;
  /** Problems of a rule's value the schema cannot see ("problem; expected X"), per value. */
  ruleProblems?(raw: unknown): string[];
}

/** Keeps the literal key and field types, so the Selector type can be derived from the registry. */
export function defineSelector<
  const Key extends string,
  const Field extends string,
  Schema extends z.ZodOptional,
  Value,
>(spec: SelectorSpec<Key, Field, Schema, Value>): SelectorSpec<Key, Field, Schema, Value> {
  return spec;
}

export function list<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** For the pattern selectors: does the pattern match the empty text (and so every text)? */
export function patternSelectsEverything(raw: unknown): boolean {
  if (typeof raw !== "string") return false;
  try {
    return compilePattern(raw).test("");
  } catch {
    return false; // the schema reports an invalid regex
  }
}
