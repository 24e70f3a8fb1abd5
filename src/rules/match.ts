// Evaluates a rule's selector (what a process is) and conditions (when to act on it).
// Each returns the facts that decided, in words an operator reads in the plan.
import type { Pattern } from "../config/pattern.js";
import type { Conditions, Selector } from "../config/types.js";
import { formatDuration, formatSize } from "../config/units.js";
import type { Listener, ProcessInfo } from "../scan/types.js";
import type { Adopters } from "./orphans.js";

export type SpareCode =
  | "parent-alive"
  | "is-orphan"
  | "too-young"
  | "too-small"
  | "state"
  | "protected"
  | "over-budget"
  | "not-permitted";

export interface Failure {
  code: SpareCode;
  detail: string;
}

export type Lookup = (pid: number) => ProcessInfo | undefined;

/** A selector field, in the order the matcher checks them. */
export type SelectorField = "comm" | "user" | "cmdline" | "exe" | "parent" | "listeningPort";

/**
 * The first selector field that did not match, and whether the fact it needs was missing (not
 * read, unreadable, the parent not found) or was there and did not match. One constant object
 * per case: the plan's hot path allocates nothing for a miss.
 */
export interface SelectorMiss {
  readonly field: SelectorField;
  readonly why: "mismatch" | "unknown";
}

const MISS: Record<SelectorField, Record<SelectorMiss["why"], SelectorMiss>> = {
  comm: miss("comm"),
  user: miss("user"),
  cmdline: miss("cmdline"),
  exe: miss("exe"),
  parent: miss("parent"),
  listeningPort: miss("listeningPort"),
};

function miss(field: SelectorField): Record<SelectorMiss["why"], SelectorMiss> {
  return {
    mismatch: Object.freeze({ field, why: "mismatch" }),
    unknown: Object.freeze({ field, why: "unknown" }),
  };
}

/** Facts if every given selector field matches; null otherwise. Needs detail (argv, uid). */
export function matchSelector(selector: Selector, p: ProcessInfo, lookup: Lookup): string[] | null {
  const result = evaluateSelector(selector, p, lookup);
  return Array.isArray(result) ? result : null;
}

/**
 * The one evaluation of a selector: the facts if every given field matches, else the first field
 * that did not (the plan needs only yes or no; `cleanup explain` says which field failed).
 */
export function evaluateSelector(
  selector: Selector,
  p: ProcessInfo,
  lookup: Lookup,
): string[] | SelectorMiss {
  const facts: string[] = [];
  if (selector.comm) {
    if (!selector.comm.includes(p.comm)) return MISS.comm.mismatch;
    facts.push(`comm is ${p.comm}`);
  }
  if (selector.user) {
    if (p.uid === null) return MISS.user.unknown;
    if (!selector.user.some((u) => u === p.uid || u === p.user)) return MISS.user.mismatch;
    facts.push(`user is ${p.user ?? p.uid}`);
  }
  if (selector.cmdline) {
    if (!p.argv) return MISS.cmdline.unknown;
    if (!selector.cmdline.test(p.argv.join(" "))) return MISS.cmdline.mismatch;
    facts.push(regexFact("cmdline", selector.cmdline));
  }
  if (selector.exe) {
    if (p.exe === null) return MISS.exe.unknown;
    if (!selector.exe.test(p.exe)) return MISS.exe.mismatch;
    facts.push(`exe ${p.exe} matches /${selector.exe.source}/`);
  }
  if (selector.parent) {
    const parent = lookup(p.ppid);
    if (!parent?.argv) return MISS.parent.unknown;
    if (!selector.parent.test(parent.argv.join(" "))) return MISS.parent.mismatch;
    facts.push(`parent ${parent.pid} matches /${selector.parent.source}/`);
  }
  if (selector.listeningPort) {
    // Absent = not read or unreadable: no match (protect fails closed on it, see protect.ts).
    if (!p.listening) return MISS.listeningPort.unknown;
    const ranges = selector.listeningPort;
    const hits = p.listening.filter((l) => ranges.some((r) => l.port >= r.from && l.port <= r.to));
    const first = hits[0];
    if (!first) return MISS.listeningPort.mismatch;
    facts.push(listeningFact(first, hits.length - 1));
  }
  return facts;
}

function listeningFact(l: Listener, more: number): string {
  const address = l.address.includes(":") ? `[${l.address}]` : l.address;
  return `listening on ${l.proto} ${address}:${l.port}${more > 0 ? ` (+${more} more)` : ""}`;
}

export interface ConditionResult {
  facts: string[];
  failures: Failure[];
}

/** Needs only stat fields: cheap enough to run on every process. */
export function checkConditions(
  conditions: Conditions,
  p: ProcessInfo,
  adopters: Adopters,
): ConditionResult {
  const facts: string[] = [];
  const failures: Failure[] = [];
  if (conditions.orphaned !== undefined) {
    const orphan = adopters.adopts(p.ppid);
    const fact = adopters.describe(p.ppid);
    if (orphan === conditions.orphaned) facts.push(fact);
    else failures.push({ code: orphan ? "is-orphan" : "parent-alive", detail: fact });
  }
  if (conditions.olderThanMs !== undefined) {
    const age = `age ${formatDuration(p.ageMs)}`;
    const limit = formatDuration(conditions.olderThanMs);
    if (p.ageMs >= conditions.olderThanMs) facts.push(`${age} ≥ ${limit}`);
    else failures.push({ code: "too-young", detail: `too young (${age} < ${limit})` });
  }
  if (conditions.rssOverBytes !== undefined) {
    const rss = `rss ${formatSize(p.rssBytes)}`;
    const limit = conditions.rssOverText ?? formatSize(conditions.rssOverBytes);
    if (p.rssBytes > conditions.rssOverBytes) facts.push(`${rss} > ${limit}`);
    else failures.push({ code: "too-small", detail: `${rss} ≤ ${limit}` });
  }
  if (conditions.state !== undefined) {
    if (conditions.state.includes(p.state)) facts.push(`state ${p.state}`);
    else
      failures.push({
        code: "state",
        detail: `state ${p.state} not in ${conditions.state.join(",")}`,
      });
  }
  return { facts, failures };
}

// One string per rule, not one per matched process (10,000 copies at the benchmark's scale).
const regexFacts = new WeakMap<Pattern, string>();
function regexFact(what: string, regex: Pattern): string {
  let fact = regexFacts.get(regex);
  if (fact === undefined) {
    fact = `${what} matches /${regex.source}/`;
    regexFacts.set(regex, fact);
  }
  return fact;
}
