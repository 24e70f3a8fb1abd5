// What one condition declares on the config side: how the rules file spells it (its zod
// fragment) and what it becomes after normalisation. Its other half (how it is checked on a
// scanned process, the fact or the failure it gives) is in src/rules/conditions/, for the same
// reason the selectors have two halves (src/config/selectors/registry.ts).
import type { z } from "zod";

export interface ConditionSpec<
  Key extends string,
  Field extends string,
  Schema extends z.ZodOptional,
  Value,
> {
  /** As the rules file spells it, in a rule's `match`. */
  readonly key: Key;
  /** As the normalised Conditions (config/types.ts) names it. */
  readonly field: Field;
  /** The zod fragment, optional and described exactly as rules.schema.json shows it. */
  readonly schema: Schema;
  /** Raw (accepted by the schema) → normalised; only called on what the schema accepted. */
  normalise(raw: NonNullable<z.output<Schema>>): Value;
}

/** Keeps the literal key and field types, so the Conditions type can be derived from the registry. */
export function defineCondition<
  const Key extends string,
  const Field extends string,
  Schema extends z.ZodOptional,
  Value,
>(spec: ConditionSpec<Key, Field, Schema, Value>): ConditionSpec<Key, Field, Schema, Value> {
  return spec;
}
