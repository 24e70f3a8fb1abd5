// `rss_over`: resident memory above this size.
import { size } from "../schema-values.js";
import { parseSize } from "../units.js";
import { defineCondition } from "./spec.js";

export interface SizeLimit {
  bytes: number;
  /** As written ("500MB"), so facts quote the operator's own unit. */
  text: string;
}

export const rssOver = defineCondition({
  key: "rss_over",
  field: "rssOver",
  schema: size.optional().describe("Minimum resident memory, e.g. 500MB."),
  normalise: (raw: string): SizeLimit => {
    const parsed = parseSize(raw);
    if (!parsed.ok) throw new Error(`unreachable: schema accepted size ${raw}`);
    return { bytes: parsed.value, text: raw.trim() };
  },
});
