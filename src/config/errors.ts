// One config problem: where it is and what is wrong, formatted as
//   FILE:LINE:COL key.path: problem (got …, expected …)

export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  /** e.g. rules[0].match.older_than; empty for a YAML syntax error at the top. */
  path: string;
  problem: string;
  got?: string;
  expected?: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = `${p.file}:${p.line}:${p.col}`;
  const key = p.path ? ` ${p.path}:` : "";
  const details = [
    p.got !== undefined ? `got ${p.got}` : "",
    p.expected ? `expected ${p.expected}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  return `${where}${key} ${p.problem}${details ? ` (${details})` : ""}`;
}

/** Thrown by loadConfig: every problem found in one pass. Nothing may act on a bad config. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n` +
        problems.map(formatProblem).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** "rules[0].match.older_than" from ["rules", 0, "match", "older_than"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
