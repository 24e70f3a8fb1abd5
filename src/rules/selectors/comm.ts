// `comm`: the kernel's process name, the one selector decidable from /proc/PID/stat alone.
import { type SelectorMatcher, MISMATCH } from "./matcher.js";

export const comm: SelectorMatcher<"comm"> = {
  field: "comm",
  needs: [],
  beforeDetail: (names, p) => names.includes(p.comm),
  match: (names, p) => (names.includes(p.comm) ? `comm is ${p.comm}` : MISMATCH),
  describeMiss: (names, _why, p) => `comm ${p.comm} is not ${names.join(", ")}`,
};
