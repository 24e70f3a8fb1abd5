// Bounds on what a rules file may make the loader do, checked before the step they protect:
// bytes that are not UTF-8 or not YAML-printable, nesting deeper than MAX_DEPTH (checked on the
// CST, iteratively, before yaml's recursive composer and zod's recursive validation see it),
// aliases that expand into more than MAX_ALIAS_NODES nodes or into themselves, and tags beyond
// plain YAML types. Each answer is an offset into the text, for a positioned ConfigError.
import {
  isAlias,
  isCollection,
  isPair,
  isScalar,
  visit,
  type CST,
  type Document,
  type Node,
} from "yaml";

/**
 * Levels of mappings and lists. The bundled rules.yaml needs 5 (rules → rule → match → when →
 * cpu); yaml's composer overflowed the stack at about 800, zod validation sooner.
 */
export const MAX_DEPTH = 64;
/**
 * Columns of indentation and block indicators (`- `, `? `, `: `) that start a line. yaml's CST
 * parser recurses when it closes nested block collections: 3,000 compact `- ` on one line
 * overflowed the stack (2,000 did not). A block collection is indented more than its parent, so
 * this also bounds block nesting, before that parser runs.
 */
export const MAX_INDENT = 256;
/** Alias nodes (`*name`) in one file; a rules file rarely needs any. */
export const MAX_ALIASES = 100;
/**
 * Nodes that aliases may add in all: a protect list of 20 entries (60 nodes) used in 10 rules
 * is 600. A "billion laughs" file of 9 levels of 10 aliases would be 10^9; 3 levels, 1,221.
 */
export const MAX_ALIAS_NODES = 1_000;

export interface LimitProblem {
  offset: number;
  problem: string;
}

/** The offset of the first byte that is not valid UTF-8 (overlong forms and surrogates too), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    let extra: number;
    let min: number;
    if (lead >= 0xc2 && lead <= 0xdf) [extra, min] = [1, 0x80];
    else if (lead >= 0xe0 && lead <= 0xef) [extra, min] = [2, 0x800];
    else if (lead >= 0xf0 && lead <= 0xf4) [extra, min] = [3, 0x10000];
    else return i;
    let point = lead & (0x3f >> extra);
    for (let k = 1; k <= extra; k += 1) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      point = (point << 6) | (next & 0x3f);
    }
    if (point < min || point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) return i;
    i += extra + 1;
  }
  return -1;
}

/**
 * YAML allows only printable characters (YAML 1.2 §5.1): no NUL or other C0/C1 controls but tab,
 * line feed, carriage return and NEL. A NUL inside a regex or a name would otherwise reach it.
 */
const NOT_PRINTABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFFFE\uFFFF]/;

export function controlCharacterProblem(text: string): LimitProblem | undefined {
  const match = NOT_PRINTABLE.exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
  return {
    offset: match.index,
    problem: `control character U+${code} is not allowed in YAML; write it as an escape ("\\x..") inside double quotes`,
  };
}

export function indentationProblem(text: string): LimitProblem | undefined {
  let start = 0;
  while (start < text.length) {
    let at = start;
    for (;;) {
      const c = text[at];
      const next = text[at + 1];
      const indicator =
        (c === "-" || c === "?" || c === ":") &&
        (next === " " || next === "\n" || next === "\r" || next === undefined);
      if (c !== " " && !indicator) break;
      at += 1;
      if (at - start > MAX_INDENT) {
        return {
          offset: at - 1,
          problem: `indented more than ${MAX_INDENT} columns (nested too deeply for a rules file)`,
        };
      }
    }
    const end = text.indexOf("\n", at);
    if (end < 0) break;
    start = end + 1;
  }
  return undefined;
}

/** The first collection nested deeper than MAX_DEPTH in yaml's CST (its parser does not recurse), found without recursion. */
export function depthProblem(tokens: readonly CST.Token[]): LimitProblem | undefined {
  const stack = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (token.type === "document") {
      if (token.value) stack.push({ token: token.value, depth });
      continue;
    }
    if (
      token.type !== "block-map" &&
      token.type !== "block-seq" &&
      token.type !== "flow-collection"
    )
      continue;
    if (depth + 1 > MAX_DEPTH) {
      return {
        offset: token.offset,
        problem: `nested too deeply (more than ${MAX_DEPTH} levels of mappings and lists)`,
      };
    }
    for (const item of token.items) {
      if ("key" in item && item.key) stack.push({ token: item.key, depth: depth + 1 });
      if (item.value) stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

const PLAIN_TAGS = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`),
);

/**
 * Aliases (too many, expanding too far, into themselves, or to no anchor) and tags other than
 * the plain ones (`!!binary`, `!!set`, `!!js/function`, `!foo`). Depth is bounded already
 * (depthProblem), so this walk may recurse.
 */
export function nodeProblem(doc: Document): LimitProblem | undefined {
  const sizes = new Map<Node, number>();
  const open = new Set<Node>();
  // As yaml resolves them: the last node with that anchor before the alias, in document order.
  const anchors = new Map<string, Node>();
  let aliases = 0;
  let added = 0;
  let found: LimitProblem | undefined;
  const at = (node: Node, problem: string): number => {
    found ??= { offset: node.range?.[0] ?? 0, problem };
    return 0;
  };
  const size = (node: unknown): number => {
    if (found || node === null || node === undefined) return 0;
    if (isPair(node)) return size(node.key) + size(node.value);
    if (isAlias(node)) {
      aliases += 1;
      if (aliases > MAX_ALIASES) return at(node, `more than ${MAX_ALIASES} aliases`);
      const source = anchors.get(node.source);
      if (!source) return at(node, `alias *${node.source} has no anchor &${node.source} before it`);
      if (open.has(source))
        return at(node, `alias *${node.source} refers to a node that contains it`);
      const n = sizes.get(source) ?? size(source);
      added += n;
      if (added > MAX_ALIAS_NODES) {
        return at(node, `aliases expand to more than ${MAX_ALIAS_NODES} nodes (an alias bomb?)`);
      }
      return n;
    }
    const tagged = node as Node;
    if (tagged.anchor) anchors.set(tagged.anchor, tagged);
    if (tagged.tag !== undefined && !PLAIN_TAGS.has(tagged.tag)) {
      return at(tagged, `tag ${shortTag(tagged.tag)} is not allowed: only plain YAML values`);
    }
    if (isScalar(node)) return 1;
    if (!isCollection(node)) return 1;
    open.add(node);
    let total = 1;
    for (const item of node.items) total = Math.min(total + size(item), Number.MAX_SAFE_INTEGER);
    open.delete(node);
    sizes.set(node, total);
    return total;
  };
  size(doc.contents);
  return found;
}

function shortTag(tag: string): string {
  return tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice("tag:yaml.org,2002:".length)}` : tag;
}

/** Where the first alias is: the place to point at when yaml's own alias guard refuses. */
export function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}
