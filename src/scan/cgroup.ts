// A process's control group, from /proc/PID/cgroup, and the systemd unit it belongs to.
//
// The file is one line per hierarchy, "ID:CONTROLLERS:PATH". On a cgroup v2 (unified) host it
// is the one line "0::/system.slice/x.service". On a v1 or hybrid host systemd keeps its own
// tree in the named hierarchy "name=systemd": that line's path is the one read (on a hybrid
// host the "0::" line carries the same path). Not supported: a v1 host without systemd's named
// hierarchy (no systemd, or another init): the path is then the "0::" line's if there is one,
// else unknown. The paths are relative to the reader's cgroup namespace root: an agent in a
// container sees its container's tree, as the container's systemd does.
//
// The text is the process's (a process may move itself into a cgroup it may write, and cgroup
// names under a delegated subtree are chosen by its owner): it is read bounded, and a path that
// is not printable or too long is taken as unreadable.
import { closeSync, constants, openSync, readSync } from "node:fs";
import { isVanished } from "./read-file.js";

/** Bytes of /proc/PID/cgroup read: a v1 host has about a dozen lines. */
export const CGROUP_LIMIT_BYTES = 16 * 1024;
/** A longer path is not one systemd made (its unit names are at most 255 characters). */
export const CGROUP_PATH_MAX_CHARS = 4096;

const buffer = Buffer.allocUnsafe(CGROUP_LIMIT_BYTES + 1);

/** The path, or null when unreadable or not parsable; throws the fs error when the process vanished. */
export function readCgroup(procRoot: string, pid: number): string | null {
  let fd: number;
  try {
    fd = openSync(`${procRoot}/${pid}/cgroup`, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (isVanished(error)) throw error;
    return null;
  }
  let length = 0;
  try {
    // The file is one seq_file record (the kernel's single_open): one read() returns all of it
    // that fits, so a read that does not fill the buffer was the end (a fixture's regular file
    // too), and the read that would return 0 is not made: a syscall per process saved.
    for (;;) {
      const asked = buffer.length - length;
      const n = readSync(fd, buffer, length, asked, null);
      if (n === 0) break;
      length += n;
      if (length >= buffer.length) return null; // longer than any real one
      if (n < asked) break;
    }
  } catch (error) {
    if (isVanished(error)) throw error;
    return null;
  } finally {
    closeSync(fd);
  }
  return parseCgroup(buffer.toString("utf8", 0, length));
}

/**
 * The systemd hierarchy's path (v1/hybrid), else the unified one (v2); null if neither. Walks
 * the text by index: a v1 host has a dozen lines per process, and splitting every line and its
 * controller list made some forty strings per process that lived only to be compared.
 */
export function parseCgroup(text: string): string | null {
  let unified: string | null = null;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const first = text.indexOf(":", start);
    const second = first < 0 || first >= end ? -1 : text.indexOf(":", first + 1);
    if (second >= 0 && second < end) {
      if (hasController(text, first + 1, second, "name=systemd"))
        return validPath(text.slice(second + 1, end));
      if (first === start + 1 && text.charCodeAt(start) === 48 && second === first + 1)
        unified = text.slice(second + 1, end); // "0::PATH"
    }
    start = end + 1;
  }
  return unified === null ? null : validPath(unified);
}

/** Whether the comma-separated list text[start, end) has `name` as one of its items. */
function hasController(text: string, start: number, end: number, name: string): boolean {
  for (let item = start; item <= end;) {
    let comma = text.indexOf(",", item);
    if (comma < 0 || comma > end) comma = end;
    if (comma - item === name.length && text.startsWith(name, item)) return true;
    item = comma + 1;
  }
  return false;
}

function validPath(path: string): string | null {
  if (!path.startsWith("/") || path.length > CGROUP_PATH_MAX_CHARS) return null;
  // Control characters would forge lines in reports; the kernel allows them in names.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return null;
  // A v2 process in a cgroup being removed shows " (deleted)" after the path.
  return path.endsWith(" (deleted)") ? path.slice(0, -" (deleted)".length) : path;
}

/**
 * The unit a cgroup path belongs to: its deepest `.service` or `.scope` component. `manager`:
 * the unit of the outermost one when it is another, that is, when the unit is not the system
 * manager's own but a nested manager's: `user@1000.service` for the units of a user's
 * `systemd --user` (.../user@1000.service/app.slice/x.service → unit x.service, manager
 * user@1000.service), a container's scope for the units of the systemd inside it. Only the
 * system manager's units (manager null) have a state the agent asks systemd for.
 */
export interface UnitOfCgroup {
  unit: string;
  manager: string | null;
  /** Every unit component, outermost first (the `unit` selector matches any of them). */
  chain: string[];
}

export function unitOfCgroup(path: string): UnitOfCgroup | null {
  const chain = path.split("/").filter((c) => c.endsWith(".service") || c.endsWith(".scope"));
  const unit = chain[chain.length - 1];
  if (unit === undefined) return null;
  return { unit, manager: chain.length > 1 ? chain[0]! : null, chain };
}
