// The other paths a watched directory is reachable by in the agent's mount namespace: a bind
// mount of it (or of a directory above it) elsewhere. A process that opened /run/shm/x where
// /run/shm is a bind mount of /dev/shm has "/run/shm/x" as its fd's target; matching targets
// against "/dev/shm/" alone would miss it and call the file unheld. Read once per run from
// /proc/self/mountinfo; the aliases are exact (from each mount's root), so the root file
// system mounted at "/" does not turn every path into a candidate.
//   36 35 0:26 /shm /run/shm rw,relatime - tmpfs tmpfs rw
//   id parent dev root mountpoint …
import { readFileSync } from "node:fs";
import { mountinfoDev } from "./proc-dev.js";

interface Mount {
  dev: number;
  root: string;
  point: string;
}

/** Each watched dir and its aliases; just `dirs` when mountinfo cannot be read. */
export function withMountAliases(procRoot: string, dirs: readonly string[]): string[] {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/self/mountinfo`, "utf8");
  } catch {
    return [...dirs];
  }
  return mountAliases(parseMountinfo(text), dirs);
}

export function mountAliases(mounts: readonly Mount[], dirs: readonly string[]): string[] {
  const out = new Set(dirs);
  for (const dir of dirs) {
    // The mount the dir is on: the last (topmost) of the longest mount point above it.
    let on: Mount | undefined;
    for (const m of mounts) {
      if (under(dir, m.point) !== null && (!on || m.point.length >= on.point.length)) on = m;
    }
    if (!on) continue;
    const devPath = join(on.root, under(dir, on.point) as string);
    for (const m of mounts) {
      if (m === on || m.dev !== on.dev) continue;
      const rest = under(devPath, m.root);
      if (rest !== null) out.add(join(m.point, rest));
    }
  }
  return [...out];
}

export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    if (fields.length < 5) continue;
    const dev = mountinfoDev(fields[2] as string);
    if (dev === null) continue;
    mounts.push({ dev, root: unescape(fields[3] as string), point: unescape(fields[4] as string) });
  }
  return mounts;
}

/** The rest of `path` below `top` ("" for top itself), component-wise; null if not under it. */
function under(path: string, top: string): string | null {
  if (top === "/") return path.slice(1);
  if (path === top) return "";
  return path.startsWith(`${top}/`) ? path.slice(top.length + 1) : null;
}

function join(top: string, rest: string): string {
  if (rest === "") return top;
  return top === "/" ? `/${rest}` : `${top}/${rest}`;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}
