// Compile-time proof that a zod schema describes exactly a TypeScript type: every schema here
// is checked against the type the code builds (RunReport, PortReport …), so a field added to
// one and not the other fails `npm run typecheck` instead of shipping a stale report.schema.json.

/** true only when A and B are the same type (not merely assignable: an extra optional field counts). */
export type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * Compiles only when given true: `Same<Equals<z.infer<typeof schema>, Declared>>`. The error
 * "Type 'false' does not satisfy the constraint 'true'" on a file's `Checks` means the schema
 * in that file and the type differ: change the schema to match, then `npm run schema` (and, if
 * a reader could break, bump the format in ../formats.ts).
 */
export type Same<T extends true> = T;
