// `user`: the owner(s), by name or uid (the effective uid, as ps shows it).
import { z } from "zod";
import { defineSelector, list } from "./spec.js";

const USERS_EXPECTED = "a user name or uid, or a list of them";
const userRef = z.union([z.string(), z.number().int().nonnegative()]);
const users = z.union([userRef, z.array(userRef).min(1)], {
  error: `wrong type; expected ${USERS_EXPECTED}`,
});

export const user = defineSelector({
  key: "user",
  field: "user",
  schema: users
    .optional()
    .describe("Owner(s): user names or uids (the effective uid, as ps shows it)."),
  /** User names or uids. */
  normalise: (raw: string | number | (string | number)[]) => list(raw),
  says: "whose",
});
