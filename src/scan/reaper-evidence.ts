// What, besides its comm, says a process is a subreaper: read only for processes whose comm is
// in settings.reapers (a handful per host), so the cost stays with the candidates. Any user sets
// their own comm (/proc/self/comm, prctl PR_SET_NAME); these facts they cannot: the owner and
// mode of the executable actually running (stat of /proc/PID/exe follows the kernel's link to
// the running inode, not a path that may have been swapped since), its path as the agent's own
// mount namespace sees it, and whether the kernel made it the init of a pid namespace.
import { readlinkSync, statSync } from "node:fs";
import { readProcText } from "./read-file.js";
import type { ReaperEvidence } from "./types.js";

/** The mount namespace of the agent (self), or null where there is none (fixture trees). */
export function readMountNamespace(procRoot: string, who: number | "self"): string | null {
  try {
    return readlinkSync(`${procRoot}/${who}/ns/mnt`);
  } catch {
    return null;
  }
}

/** Never throws: what cannot be read is null, and null never makes a reaper. */
export function readReaperEvidence(
  procRoot: string,
  pid: number,
  ownMountNamespace: string | null,
): ReaperEvidence {
  const dir = `${procRoot}/${pid}`;
  let exe: string | null = null;
  let exeUid: number | null = null;
  let exeMode: number | null = null;
  try {
    exe = readlinkSync(`${dir}/exe`);
    const st = statSync(`${dir}/exe`);
    exeUid = st.uid;
    exeMode = st.mode;
  } catch {
    // Another user's process without root, a zombie, or gone: no evidence.
  }
  // In another mount namespace the same path may name another file (a bind mount over
  // /usr/bin/tini): the path counts only in the agent's own. Fixture trees have no namespaces.
  const sameMountNamespace =
    ownMountNamespace === null ? true : readMountNamespace(procRoot, pid) === ownMountNamespace;
  let namespaceInit: boolean | null = null;
  try {
    namespaceInit = parseNamespaceInit(readProcText(`${dir}/status`));
  } catch {
    // unreadable: unknown
  }
  return { exe, exeUid, exeMode, sameMountNamespace, namespaceInit };
}

/**
 * From the NSpid line of /proc/PID/status ("NSpid:\t812\t1": pid 812 here, 1 in its own pid
 * namespace): whether it is the init of a pid namespace below the agent's. Null without the
 * line (kernels before 4.1, fixture trees that leave it out).
 */
export function parseNamespaceInit(status: string): boolean | null {
  const start = status.indexOf("\nNSpid:");
  if (start < 0) return null;
  const end = status.indexOf("\n", start + 1);
  const fields = status
    .slice(start + 7, end < 0 ? undefined : end)
    .trim()
    .split(/\s+/);
  return fields.length > 1 && fields[fields.length - 1] === "1";
}
