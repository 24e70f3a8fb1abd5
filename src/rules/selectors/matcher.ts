// What one selector declares on the rules side: how it matches a scanned process (the fact the
// plan and `cleanup explain` print, or why it did not match), what the scan must read for it,
// what it can test before the scan reads a process in detail, what "unknown" means for
// protect (fail closed), and the words explain gives a miss. Its config half (schema,
// normalised form) is in src/config/selectors/; registry.ts says why there are two halves.
import type { Selector, SelectorField } from "../../config/types.js";
import type { ScanOptions } from "../../scan/read-process-table.js";
import type { ProcessInfo } from "../../scan/types.js";

export type Lookup = (pid: number) => ProcessInfo | undefined;

/** The scan's switches a selector can need (each costs reads for every detailed process). */
export type ScanNeed = keyof Pick<
  ScanOptions,
  "wantParentDetail" | "wantExe" | "wantStatus" | "wantListeners" | "wantCgroup" | "openFilesFilter"
>;

export type Why = "mismatch" | "unknown";

/** The spare codes of selectors that spare rather than leave unselected (see spareCode). */
export const SELECTOR_SPARE_CODES = ["not-holding"] as const;
export type SelectorSpareCode = (typeof SELECTOR_SPARE_CODES)[number];
export interface Miss {
  readonly miss: Why;
}
/** The fact was there and did not match. */
export const MISMATCH: Miss = Object.freeze({ miss: "mismatch" });
/** The fact it needs was missing: not read, unreadable, the parent not found. */
export const UNKNOWN: Miss = Object.freeze({ miss: "unknown" });

/** A selector's normalised value (what the config half made of the rules file's). */
export type ValueOf<F extends SelectorField> = NonNullable<Selector[F]>;

// Methods (not function properties) on purpose: the registry holds every matcher in one list
// typed by the union of fields, and calls each with its own field's value.
export interface SelectorMatcher<F extends SelectorField> {
  readonly field: F;
  /** What the scan must read for this selector (ScanOptions switches). */
  readonly needs: readonly ScanNeed[];
  /**
   * A test on stat fields alone (run on every process, before the scan decides which it reads
   * in detail): false = this selector can never match the process. Absent = cannot tell yet.
   */
  beforeDetail?(value: ValueOf<F>, p: ProcessInfo): boolean;
  /** The fact when it matches ("comm is python3"); else MISMATCH or UNKNOWN. */
  match(value: ValueOf<F>, p: ProcessInfo, lookup: Lookup): string | Miss;
  /**
   * For protect (fail closed): the fact this process's scan could not establish and that might
   * have made the entry match ("exe unreadable"), or null. Absent = the fact is always known
   * for a process protect judges (see buildProtection's built-in "not read in detail").
   */
  protectUnknown?(value: ValueOf<F>, p: ProcessInfo, lookup: Lookup): string | null;
  /**
   * Set on a selector that says what a process holds rather than what it is (`holds`): when it
   * is the only field of a rule's selector that did not match, the plan lists the process as
   * spared with this code and describeMiss's words, instead of leaving it unselected, so that
   * "the program, but not holding the file" is said. Absent: a miss leaves it unselected.
   */
  readonly spareCode?: SelectorSpareCode;
  /** The words `cleanup explain` gives when it did not match, the process's value beside the rule's. */
  describeMiss(value: ValueOf<F>, why: Why, p: ProcessInfo, lookup: Lookup): string;
}
