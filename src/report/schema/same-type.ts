// Compile-time proof that a zod schema describes exactly a TypeScript type: every schema here
// is checked against the type the code builds (RunReport, PortReport …), so a field added to
// one and not the other fails `npm run typecheck` instead of shipping a stale report.schema.json.

/** true only when A and B are the same type (not merely assignable: an extra optional field counts). */
export type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when given true: `export type _ = Same<Equals<Inferred, Declared>>`. */
export type Same<T extends true> = T;
