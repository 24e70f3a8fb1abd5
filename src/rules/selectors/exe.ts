// `exe`: a pattern searched in the executable's path (readlink /proc/PID/exe).
import { type SelectorMatcher, MISMATCH, UNKNOWN } from "./matcher.js";

export const exe: SelectorMatcher<"exe"> = {
  field: "exe",
  needs: ["wantExe"],
  match(pattern, p) {
    if (p.exe === null) return UNKNOWN;
    if (!pattern.test(p.exe)) return MISMATCH;
    return `exe ${p.exe} matches /${pattern.source}/`;
  },
  // Unreadable without CAP_SYS_PTRACE (another user's process, as non-root).
  protectUnknown: (_pattern, p) => (p.exe === null ? "exe unreadable" : null),
  describeMiss: (pattern, why, p) =>
    why === "unknown" ? "exe unreadable" : `exe ${p.exe} does not match /${pattern.source}/`,
};
