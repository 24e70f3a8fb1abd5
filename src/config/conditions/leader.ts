// The shared shape of `group_leader` and `session_leader`: who leads the process's group or
// session, as one standing or a list of them (any may hold).
//   self   the process leads it (its pid is the pgid / the sid)
//   alive  another process leads it and is still running
//   gone   its leader exited (or is a zombie, not yet reaped)
// The rules half (src/rules/conditions/leader.ts) says how each is established from the table.
import { z } from "zod";
import { didYouMean } from "../suggest.js";
import { list } from "../selectors/spec.js";

export const LEADER_STANDINGS = ["self", "alive", "gone"] as const;
export type LeaderStanding = (typeof LEADER_STANDINGS)[number];

const EXPECTED = "self, alive or gone, or a list of them";

/**
 * Words an operator may reach for instead of ours; edit distance alone would not find "gone"
 * from "dead". YAML's true/false are here too: `group_leader: true` most likely means self.
 */
const SYNONYMS: Record<string, string> = {
  dead: "gone",
  exited: "gone",
  missing: "gone",
  died: "gone",
  live: "alive",
  living: "alive",
  running: "alive",
  leader: "self",
  own: "self",
  true: "self",
  false: "[alive, gone]",
};

/** The first value that is not a standing, and what it most likely meant. */
function wrongValue(input: unknown): string {
  const values = Array.isArray(input) ? input : [input];
  const bad = values.find(
    (v) => typeof v !== "string" || !(LEADER_STANDINGS as readonly string[]).includes(v),
  );
  if (typeof bad !== "string" && typeof bad !== "boolean") return "wrong value";
  const text = String(bad);
  const suggestion =
    SYNONYMS[text.toLowerCase()] ?? didYouMean(text, LEADER_STANDINGS as readonly string[]);
  return suggestion
    ? `unknown leader standing '${text}', did you mean '${suggestion}'?`
    : `unknown leader standing '${text}'`;
}

export function leaderSchema(what: string) {
  const standing = z.enum(LEADER_STANDINGS);
  return z
    .union([standing, z.array(standing).min(1, { error: `an empty list; expected ${EXPECTED}` })], {
      error: (issue) => `${wrongValue(issue.input)}; expected ${EXPECTED}`,
    })
    .optional()
    .describe(
      `Who leads its ${what}: self (it does), alive (another, still running), gone (its leader exited); a list means any of them.`,
    );
}

export const normaliseStandings = (raw: LeaderStanding | LeaderStanding[]): LeaderStanding[] =>
  list(raw);
