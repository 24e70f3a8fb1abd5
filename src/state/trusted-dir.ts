// Whether a directory root writes into (the state dir, the textfile dir) is root's alone. A
// directory another user can write lets them plant the files the agent reads back (a lock that
// blocks every run, an outbox of forged notifications) or swap the directory itself; writes
// never follow a planted symlink (durable.ts), but what is read would still be theirs.
//
// Checked, as root only (an ordinary user's run acts for that user alone):
// - the directory itself is not a symlink, is owned by root (or the agent's euid), and is not
//   writable by its group or others, sticky bit or not (a sticky directory still lets others
//   create names in it, e.g. a state file before the agent's first run);
// - every directory above it, up to /, both along the path as given and along its resolved
//   (realpath) form: owned by root or the euid, and not group/world-writable unless sticky
//   (/tmp is fine: others cannot rename or remove what is not theirs).
// settings.trust_paths lists paths accepted anyway; each one used is still reported.
import { lstatSync, readFileSync, realpathSync, statSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";

export interface DirTrust {
  /** Why the directory is refused (the first untrusted path), or null. */
  refusal: string | null;
  /** Paths accepted only because settings.trust_paths lists them. */
  warnings: string[];
}

export interface TrustOptions {
  euid: number;
  /** settings.trust_paths. */
  trusted: readonly string[];
}

const STICKY = 0o1000;

/** What is wrong with `path` for root to write into, or null; `self`: the directory itself. */
function problemOf(stats: Stats, euid: number, self: boolean): string | null {
  const owner = stats.uid === 0 || stats.uid === euid ? null : "owned by another user";
  const writable =
    (stats.mode & 0o022) !== 0 && (self || (stats.mode & STICKY) === 0)
      ? `writable by ${(stats.mode & 0o002) !== 0 ? "every user" : "its group"}${
          (stats.mode & STICKY) !== 0 ? " (sticky bit or not)" : " (no sticky bit)"
        }`
      : null;
  if (!owner && !writable) return null;
  return `${[owner, writable].filter(Boolean).join(" and ")}: owner ${userName(stats.uid)}, mode ${(stats.mode & 0o7777).toString(8).padStart(4, "0")}`;
}

export function checkDirTrust(dir: string, options: TrustOptions): DirTrust {
  const result: DirTrust = { refusal: null, warnings: [] };
  if (options.euid !== 0) return result;
  const trusted = new Set(options.trusted.map((p) => resolve(p)));
  const path = resolve(dir);
  const issues: { path: string; problem: string }[] = [];

  let own: Stats;
  try {
    own = lstatSync(path);
  } catch (error) {
    // Nothing there yet: nothing another user could have planted (the caller creates it).
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return result;
    throw error;
  }
  if (own.isSymbolicLink()) {
    issues.push({
      path,
      problem: "a symbolic link (the directory must be named by its real path)",
    });
  } else {
    const problem = problemOf(own, options.euid, true);
    if (problem) issues.push({ path, problem });
  }
  const above = new Set<string>();
  for (let p = dirname(path); ; p = dirname(p)) {
    above.add(p);
    if (p === "/") break;
  }
  try {
    const real = realpathSync(path);
    for (let p = dirname(real); ; p = dirname(p)) {
      above.add(p);
      if (p === "/") break;
    }
  } catch {
    // Gone meanwhile: the lexical chain is still checked.
  }
  for (const p of above) {
    const problem = problemOf(statSync(p), options.euid, false);
    if (problem) issues.push({ path: p, problem });
  }

  for (const issue of issues) {
    const text = `${issue.path} is ${issue.problem}`;
    if (trusted.has(issue.path)) result.warnings.push(`${text}; accepted (settings.trust_paths)`);
    else if (result.refusal === null) result.refusal = text;
  }
  return result;
}

/** "nobody (uid 65534)", from /etc/passwd; read only when a path is refused. */
function userName(uid: number): string {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [name, , id] = line.split(":");
      if (name && Number(id) === uid) return `${name} (uid ${uid})`;
    }
  } catch {
    // No passwd file: the number alone.
  }
  return `uid ${uid}`;
}
