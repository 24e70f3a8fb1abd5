// What one preset declares: a maintained signature of a framework's leftovers, in the rules
// file's own spelling (selectors and conditions, as a rule's `match` writes them), and the
// words the README's "Presets" section shows: the argv and process shape it recognises and
// why it cannot take a live instance. A rule's `preset: NAME` ANDs this match with the rule's
// own keys (expand.ts says how each key combines).
import type { LeaderStanding } from "../conditions/leader.js";

/** The keys a preset may set: pattern selectors (ANDed as patterns) and the conditions expand.ts merges. */
export interface PresetMatch {
  cmdline?: string;
  exe?: string;
  parent?: string;
  orphaned?: boolean;
  group_leader?: LeaderStanding | LeaderStanding[];
  session_leader?: LeaderStanding | LeaderStanding[];
  older_than?: string;
  state?: string | string[];
}

export interface PresetSpec<Name extends string> {
  /** As `preset:` spells it. */
  readonly name: Name;
  /** One line: what it catches. */
  readonly summary: string;
  /** The argv and process shape it recognises (README). */
  readonly recognises: string;
  /** Why it cannot take a live instance (README). */
  readonly safety: string;
  readonly match: PresetMatch;
  /**
   * The leftovers have no argv of their own (fork children carry their parent's): the rule
   * must name the program's command line with its own `cmdline`, or `check` rejects it.
   */
  readonly needsCmdline?: boolean;
  /**
   * Set when the facts cannot tell a leftover from a live instance: the preset is for alert
   * and report rules only, and `check` rejects it in a kill rule with this reason.
   */
  readonly notForKill?: string;
}

export function definePreset<const Name extends string>(spec: PresetSpec<Name>): PresetSpec<Name> {
  return spec;
}
