// `listening_port`: holds a listening TCP socket or a bound UDP socket on one of these ports.
import type { PortRange } from "../../config/types.js";
import type { Listener } from "../../scan/types.js";
import { type SelectorMatcher, MISMATCH, UNKNOWN } from "./matcher.js";

export const listeningPort: SelectorMatcher<"listeningPort"> = {
  field: "listeningPort",
  needs: ["wantListeners"],
  match(ranges, p) {
    // Absent = not read or unreadable: no match (and protect fails closed on it).
    if (!p.listening) return UNKNOWN;
    const hits = p.listening.filter((l) => ranges.some((r) => l.port >= r.from && l.port <= r.to));
    const first = hits[0];
    return first ? listeningFact(first, hits.length - 1) : MISMATCH;
  },
  // Another user's fds are unreadable without root.
  protectUnknown: (_ranges, p) =>
    p.listening === undefined ? "listening sockets unreadable" : null,
  describeMiss(ranges, why, p) {
    const wanted = ranges.map(range).join(", ");
    if (why === "unknown") return "listening sockets unreadable";
    const ports = [...new Set((p.listening ?? []).map((l) => `${l.proto} ${l.port}`))];
    return ports.length === 0
      ? `listens on no port (rule: ${wanted})`
      : `listens on ${ports.join(", ")}, not ${wanted}`;
  },
};

function listeningFact(l: Listener, more: number): string {
  const address = l.address.includes(":") ? `[${l.address}]` : l.address;
  return `listening on ${l.proto} ${address}:${l.port}${more > 0 ? ` (+${more} more)` : ""}`;
}

function range(r: PortRange): string {
  return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}
