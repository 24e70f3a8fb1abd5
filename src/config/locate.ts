// From zod issue paths back to the YAML source: the node's line and column, its source text,
// and the keys the schema allows at that place (for "did you mean"); and an offset's line and
// column for the checks that run before the YAML is parsed.
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import type { z } from "zod";

export interface Position {
  line: number;
  col: number;
}

/**
 * The deepest existing node along the path, and whether it is the node itself. Keys compare as
 * strings: YAML reads `5:` or `true:` as a number or boolean, zod's path has the string.
 */
export function nodeAt(
  doc: Document,
  path: readonly PropertyKey[],
): { node: Node | null; exact: boolean } {
  let node: unknown = doc.contents;
  for (const part of path) {
    let next: unknown;
    if (isMap(node)) {
      next = node.items.find(
        (pair) => isScalar(pair.key) && String(pair.key.value) === String(part),
      )?.value;
    } else if (isSeq(node) && typeof part === "number") {
      next = node.items[part];
    }
    if (next === undefined || next === null) return { node: (node as Node) ?? null, exact: false };
    node = next;
  }
  return { node: (node as Node) ?? null, exact: true };
}

/** The key node of `key` in the map at `path` (for unknown keys: point at the key itself). */
export function keyNodeAt(doc: Document, path: readonly PropertyKey[], key: string): Node | null {
  const { node, exact } = nodeAt(doc, path);
  if (!exact || !isMap(node)) return null;
  const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return (pair?.key as Node | undefined) ?? null;
}

export function positionOf(node: Node | null, counter: LineCounter): Position {
  const offset = node?.range?.[0] ?? 0;
  return counter.linePos(offset);
}

/** How the value was written, for "got …": the source text of a scalar, a short form otherwise. */
export function sourceOf(node: Node | null, text: string): string {
  if (!node || !node.range) return "nothing";
  if (isScalar(node)) return text.slice(node.range[0], node.range[1]).trim() || "an empty value";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  return "a value";
}

type AnySchema = z.ZodType & { _zod: { def: Record<string, unknown> } };

/** The keys the schema allows for the object at `path`, for "did you mean". */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: AnySchema | undefined = unwrap(schema as AnySchema);
  for (const part of path) {
    if (!current) return [];
    const def = current._zod.def;
    if (def.type === "object" && typeof part === "string") {
      current = unwrap((def.shape as Record<string, AnySchema>)[part]);
    } else if (def.type === "array" && typeof part === "number") {
      current = unwrap(def.element as AnySchema);
    } else return [];
  }
  const def = current?._zod.def;
  return def?.type === "object" ? Object.keys(def.shape as object) : [];
}

function unwrap(schema: AnySchema | undefined): AnySchema | undefined {
  let current = schema;
  for (;;) {
    const def = current?._zod.def;
    if (!def) return current;
    if (def.type === "optional" || def.type === "default" || def.type === "nullable") {
      current = def.innerType as AnySchema;
    } else if (def.type === "pipe") {
      current = def.in as AnySchema;
    } else return current;
  }
}

/** 1-based line and column of `offset`, without a parse (the checks that run before one). */
export function positionInText(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let at = text.indexOf("\n"); at >= 0 && at < offset; at = text.indexOf("\n", at + 1)) {
    line += 1;
    start = at + 1;
  }
  return { line, col: offset - start + 1 };
}
