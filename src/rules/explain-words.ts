// The words `cleanup explain` gives a selector field that did not match. The matcher decides
// (evaluateSelector: which field, and whether its fact was missing or did not match); this only
// says it, with the process's own value beside the rule's.
import type { PortRange, Selector } from "../config/types.js";
import type { Lookup, SelectorField, SelectorMiss } from "./match.js";
import type { ProcessInfo } from "../scan/types.js";

/** A field as the rules file spells it. */
export const FIELD_KEYS: Record<SelectorField, string> = {
  comm: "comm",
  user: "user",
  cmdline: "cmdline",
  exe: "exe",
  parent: "parent",
  listeningPort: "listening_port",
};

export function describeMiss(
  miss: SelectorMiss,
  selector: Selector,
  p: ProcessInfo,
  lookup: Lookup,
): string {
  const unknown = miss.why === "unknown";
  switch (miss.field) {
    case "comm":
      return `comm ${p.comm} is not ${(selector.comm ?? []).join(", ")}`;
    case "user":
      return unknown
        ? "user unknown (not read)"
        : `user ${p.user ?? p.uid} is not ${(selector.user ?? []).join(", ")}`;
    case "cmdline":
      return unknown
        ? "command line not read"
        : `cmdline does not match /${selector.cmdline?.source ?? ""}/`;
    case "exe":
      return unknown
        ? "exe unreadable"
        : `exe ${p.exe} does not match /${selector.exe?.source ?? ""}/`;
    case "parent": {
      const parent = lookup(p.ppid);
      if (unknown)
        return parent
          ? `parent ${p.ppid} ${parent.comm}: its command line was not read`
          : `parent ${p.ppid} not found`;
      return `parent ${p.ppid} ${parent?.comm ?? ""} does not match /${selector.parent?.source ?? ""}/`;
    }
    case "listeningPort": {
      const wanted = (selector.listeningPort ?? []).map(range).join(", ");
      if (unknown) return "listening sockets unreadable";
      const ports = [...new Set((p.listening ?? []).map((l) => `${l.proto} ${l.port}`))];
      return ports.length === 0
        ? `listens on no port (rule: ${wanted})`
        : `listens on ${ports.join(", ")}, not ${wanted}`;
    }
  }
}

function range(r: PortRange): string {
  return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}
