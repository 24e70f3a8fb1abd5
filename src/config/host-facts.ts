// What a rules file asks of the host that this host cannot give: `cgroup` and `unit` read
// /proc/PID/cgroup (a cgroup v2 path, or v1's systemd hierarchy), and `unit_stopped` /
// `unit_main_tree` ask systemd. Without them those keys are unknown for every process, so a
// rule with them never acts and a protect entry with them protects every process it cannot
// check — safe (fail closed), but surely not what the file's author meant. `cleanup check`
// reports them (warnings; problems with --strict). The facts come from the host edge
// (host/host-facts.ts); this is the pure half.

/** Null = the host has it; else why not. */
export interface HostFacts {
  cgroup: string | null;
  systemd: string | null;
}

type Path = (string | number)[];

const CGROUP_KEYS = ["cgroup", "unit"] as const;
const SYSTEMD_KEYS = ["unit_stopped", "unit_main_tree"] as const;

interface RawFile {
  rules?: { match?: Record<string, unknown> }[];
  protect?: Record<string, unknown>[];
}

/** Each key the host cannot serve, with its path and what follows from it. */
export function hostFactProblems(
  file: RawFile,
  facts: HostFacts,
): { path: Path; problem: string }[] {
  const found: { path: Path; problem: string }[] = [];
  const lacks = (key: string): string | null =>
    (CGROUP_KEYS as readonly string[]).includes(key)
      ? facts.cgroup
      : (SYSTEMD_KEYS as readonly string[]).includes(key)
        ? (facts.systemd ?? facts.cgroup)
        : null;
  (file.rules ?? []).forEach((rule, i) => {
    for (const key of Object.keys(rule.match ?? {})) {
      const why = lacks(key);
      if (why !== null)
        found.push({
          path: ["rules", i, "match", key],
          problem: `${why}: ${key} is unknown for every process here, so this rule never acts`,
        });
    }
  });
  (file.protect ?? []).forEach((entry, i) => {
    for (const key of Object.keys(entry)) {
      const why = lacks(key);
      if (why !== null)
        found.push({
          path: ["protect", i, key],
          problem: `${why}: ${key} is unknown for every process here, so this entry protects every process its other keys do not rule out`,
        });
    }
  });
  return found;
}
