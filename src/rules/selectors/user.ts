// `user`: the owner, by name or uid (the effective uid).
import { type SelectorMatcher, MISMATCH, UNKNOWN } from "./matcher.js";

export const user: SelectorMatcher<"user"> = {
  field: "user",
  // The exact effective uid (and real and saved, for kill permission) is in status.
  needs: ["wantStatus"],
  match(users, p) {
    if (p.uid === null) return UNKNOWN;
    if (!users.some((u) => u === p.uid || u === p.user)) return MISMATCH;
    return `user ${p.user ?? p.uid}`;
  },
  // A user name not in /etc/passwd: the uid has no name here, so a name cannot be compared.
  protectUnknown(users, p) {
    const names = users.filter((u) => typeof u === "string");
    return names.length > 0 && p.user !== null && /^\d+$/.test(p.user)
      ? `user ${p.user} has no name here`
      : null;
  },
  describeMiss: (users, why, p) =>
    why === "unknown"
      ? "user unknown (not read)"
      : `user ${p.user ?? p.uid} is not ${users.join(", ")}`,
};
