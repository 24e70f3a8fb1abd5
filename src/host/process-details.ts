// What a `status` section shows of a process the scan may not have read in detail (its argv,
// its user): read now, for the few processes a section lists, never for the whole table.
import { readFileSync } from "node:fs";
import { readCmdline } from "../scan/cmdline.js";
import { parsePasswd } from "../scan/parse-misc.js";
import { isVanished } from "../scan/read-file.js";
import type { ProcessInfo } from "../scan/types.js";

/** uid → name from the passwd file, read once on first use (a missing file: the number). */
export class UserNames {
  private names: Map<number, string> | undefined;

  constructor(private readonly passwdPath = "/etc/passwd") {}

  of(uid: number): string {
    if (!this.names) {
      try {
        this.names = parsePasswd(readFileSync(this.passwdPath, "utf8"));
      } catch {
        this.names = new Map();
      }
    }
    return this.names.get(uid) ?? String(uid);
  }
}

/**
 * The process with its argv and user: the scan's where it read them, else read now. Null when
 * the process is gone. An unreadable command line (hidepid) leaves argv empty: the pid, its
 * RSS and what the section lists it for still say enough.
 */
export function withDetails(
  p: ProcessInfo,
  procRoot: string,
  users: UserNames,
): ProcessInfo | null {
  if (p.argv !== null)
    return p.user !== null || p.uid === null ? p : { ...p, user: users.of(p.uid) };
  try {
    const cmdline = readCmdline(procRoot, p.pid);
    return {
      ...p,
      argv: cmdline.argv,
      ...(cmdline.truncated && { argvTruncated: true as const }),
      ...(cmdline.truncated && cmdline.bytes !== null && { argvBytes: cmdline.bytes }),
      user: p.user ?? users.of(cmdline.uid),
    };
  } catch (error) {
    if (isVanished(error)) return null;
    return { ...p, argv: [] };
  }
}
