// `cgroup`: an RE2 pattern (or a list of them) searched in the process's control group path,
// /proc/PID/cgroup: the v2 path, or on a v1/hybrid host the systemd hierarchy's
// (`/system.slice/worker.service`, `/user.slice/user-1000.slice/session-4.scope`).
import { z } from "zod";
import { compilePattern, type Pattern } from "../pattern.js";
import { regex } from "../schema-values.js";
import { defineSelector, list, patternSelectsEverything } from "./spec.js";

const CGROUP_EXPECTED = "an RE2 regex or a list of them, e.g. '^/system\\.slice/worker\\.service'";
const patterns = z.union([regex, z.array(regex).min(1)], {
  error: `wrong type; expected ${CGROUP_EXPECTED}`,
});

export const cgroup = defineSelector({
  key: "cgroup",
  field: "cgroup",
  schema: patterns
    .optional()
    .describe(
      "RE2 regex(es) searched in the control group path from /proc/PID/cgroup (cgroup v2; on v1 the systemd hierarchy), e.g. '^/system\\.slice/worker\\.service/'.",
    ),
  normalise: (raw: string | string[]): Pattern[] => list(raw).map(compilePattern),
  // Which unit or slice a process runs in says whose it is, not which program.
  says: "whose",
  selectsEverything: (raw) => list(raw as unknown).some(patternSelectsEverything),
});
