// `state`: the process state letter, as ps shows it.
import { z } from "zod";
import { list } from "../selectors/spec.js";
import { defineCondition } from "./spec.js";

export const PROCESS_STATES = ["R", "S", "D", "Z", "T", "t", "X", "I", "P", "W"] as const;
const states = z.union([z.enum(PROCESS_STATES), z.array(z.enum(PROCESS_STATES)).min(1)], {
  error: `wrong value; expected a state letter (${PROCESS_STATES.join(" ")}) or a list of them`,
});

export const state = defineCondition({
  key: "state",
  field: "state",
  schema: states.optional().describe("Process state letter(s), as in ps: R S D Z T …"),
  normalise: (raw: string | string[]): string[] => list(raw),
});
