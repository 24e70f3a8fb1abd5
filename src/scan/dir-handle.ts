// A directory held open by fd, so that what is listed, lstat'ed and (in act/file-removal.ts)
// unlinked is the directory that was checked, whatever happens to its path meanwhile. Opened
// component by component with O_NOFOLLOW (a symlink anywhere on its path fails with ELOOP); the
// kernel resolves nothing the agent did not open itself. Its entries are then reached through
// /proc/self/fd/<fd>/<name>: the kernel resolves the magic link to the opened directory itself,
// not to whatever its path names now, so a parent renamed or replaced by a symlink cannot
// redirect an lstat, an open or an unlink to another place.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  opendirSync,
  openSync,
  type Dir,
} from "node:fs";

/** The kernel's NAME_MAX: no file system Linux mounts has a longer name component. */
export const NAME_MAX_BYTES = 255;

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

export interface OpenDir {
  fd: number;
  dev: number;
  ino: number;
}

/** The path of `name` inside an opened directory, through the fd's magic link. */
export function inDir(dirFd: number, name: string): string {
  return `/proc/self/fd/${dirFd}/${name}`;
}

/**
 * Opens the absolute `path` as a directory one component at a time from "/", each opened
 * O_NOFOLLOW through its parent's fd: a symlink anywhere on the path is refused, not only in
 * its last component (a rule's directory below one another user can write, /tmp/app/out with
 * `app` made a symlink, would otherwise send root's listing and unlinks elsewhere). When given,
 * the opened directory must be the one planned (`expect`). A string says why not (nothing is
 * left open then).
 */
export function openDirectory(
  path: string,
  expect?: { dev: number; ino: number },
): OpenDir | string {
  if (!path.startsWith("/")) return "not an absolute path";
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.some((p) => p === "." || p === "..")) return "not a normalised path";
  // /proc/PID/root/…: another mount namespace's view (a container's /dev/shm), through the
  // kernel's own link to that process's root; from there on, component by component again.
  const viaRoot = parts[0] === "proc" && /^[1-9]\d*$/.test(parts[1] ?? "") && parts[2] === "root";
  const start = viaRoot ? `/proc/${parts[1]}/root` : "/";
  let fd: number;
  try {
    fd = openSync(start, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    return errnoText(error);
  }
  const skip = viaRoot ? 3 : 0;
  for (const [i, part] of parts.entries()) {
    if (i < skip) continue;
    const last = i === parts.length - 1;
    let next: number;
    try {
      next = openSync(inDir(fd, part), DIR_FLAGS);
    } catch (error) {
      let code = errnoText(error);
      // O_DIRECTORY|O_NOFOLLOW on a symlink fails with ENOTDIR: say which it is.
      if (code === "ENOTDIR" && isSymlinkIn(fd, part)) code = "ELOOP";
      closeSync(fd);
      const where = `/${parts.slice(0, i + 1).join("/")}`;
      if (code === "ELOOP") return last ? "a symlink" : `a symlink on its path (${where})`;
      if (code === "ENOTDIR") return last ? "not a directory" : `not a directory: ${where}`;
      return code;
    }
    closeSync(fd);
    fd = next;
  }
  const opened = fstatSync(fd);
  if (expect && (opened.dev !== expect.dev || opened.ino !== expect.ino)) {
    closeSync(fd);
    return "replaced since the scan";
  }
  return { fd, dev: opened.dev, ino: opened.ino };
}

function isSymlinkIn(dirFd: number, name: string): boolean {
  try {
    return lstatSync(inDir(dirFd, name)).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * A name that can be used as one path component exactly as read: not longer than NAME_MAX,
 * and valid UTF-8 (Node decodes an invalid byte to U+FFFD, and a path built from that text
 * would name another file or none).
 */
export function usableName(name: string): boolean {
  return (
    name !== "" &&
    name !== "." &&
    name !== ".." &&
    !name.includes("/") &&
    !name.includes("\uFFFD") &&
    Buffer.byteLength(name) <= NAME_MAX_BYTES
  );
}

/**
 * Calls `each` for the names in an opened directory, in its order, one readdir batch at a
 * time (a directory of a million entries costs what is read, not a million-entry array). Stops
 * when `each` returns false. Throws the fs error.
 */
export function eachName(dirFd: number, each: (name: string) => boolean): void {
  const dir: Dir = opendirSync(`/proc/self/fd/${dirFd}`);
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      if (!each(entry.name)) return;
    }
  } finally {
    dir.closeSync();
  }
}

export function errnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error as Error).message;
}
