// `rss_over`: resident memory above this size; the fact quotes the operator's own unit.
import { formatSize } from "../../config/units.js";
import type { ConditionCheck } from "./check.js";

export const rssOver: ConditionCheck<"rssOver", "too-small"> = {
  field: "rssOver",
  codes: ["too-small"],
  statOnly: true,
  check(limit, p) {
    const rss = `rss ${formatSize(p.rssBytes)}`;
    if (p.rssBytes > limit.bytes) return { held: true, fact: `${rss} > ${limit.text}` };
    return { held: false, code: "too-small", detail: `${rss} ≤ ${limit.text}` };
  },
};
