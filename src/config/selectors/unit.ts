// `unit`: the systemd unit(s) a process's cgroup belongs to, by name or glob
// (`worker.service`, `worker@*.service`, `session-*.scope`, `user@1000.service`). It matches
// the unit itself (the deepest .service or .scope of the cgroup path) or any unit enclosing it:
// a process of a user's `systemd --user` in .../user@1000.service/app.slice/x.service is in
// unit x.service of the manager user@1000.service, and `unit: user@1000.service` selects it too.
import { z } from "zod";
import { globProblem } from "../../shared/glob.js";
import { defineSelector, list } from "./spec.js";

const UNIT_EXPECTED =
  "a unit name or glob, or a list of them, e.g. worker.service or 'session-*.scope'";

/** What is wrong with one unit name or glob, or null. */
export function unitGlobProblem(glob: string): string | null {
  if (glob.includes("/"))
    return `'${glob}' contains '/', which no unit name does; expected ${UNIT_EXPECTED} (a cgroup pattern for paths)`;
  const problem = globProblem(glob);
  if (problem !== null)
    return `'${glob}': ${problem.replace(/; expected .*$/, "")}; expected ${UNIT_EXPECTED}`;
  // A name without a wildcard that is not a service or scope is never a cgroup's unit.
  if (!/[*?[]/.test(glob) && !glob.endsWith(".service") && !glob.endsWith(".scope"))
    return `'${glob}' is neither a .service nor a .scope, so no process is in it; expected ${UNIT_EXPECTED}`;
  return null;
}

const unitName = z.string().refine((text) => unitGlobProblem(text) === null, {
  error: (issue) => unitGlobProblem(String(issue.input)) ?? "invalid unit name",
});
const units = z.union([unitName, z.array(unitName).min(1)], {
  error: `wrong type; expected ${UNIT_EXPECTED}`,
});

export const unit = defineSelector({
  key: "unit",
  field: "unit",
  schema: units
    .optional()
    .describe(
      "systemd unit(s) the process's cgroup belongs to, by name or glob (worker.service, 'session-*.scope'): the deepest .service or .scope of the cgroup path, or a unit enclosing it (user@1000.service).",
    ),
  normalise: (raw: string | string[]): string[] => list(raw),
  says: "whose",
  selectsEverything: (raw) => list(raw as unknown).some((g) => g === "*"),
});
