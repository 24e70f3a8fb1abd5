// A directory held open by fd, so that what is listed, lstat'ed and (in act/file-removal.ts)
// unlinked is the directory that was checked, whatever happens to its path meanwhile. Opened
// with O_NOFOLLOW (a symlink in its place fails with ELOOP) and fstat'ed against an lstat of the
// path: a directory swapped between the two is refused. Its entries are then reached through
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
 * Opens `path` as a directory without following a symlink in its last component, and checks
 * that the opened directory is the one an lstat of the path shows (and, when given, the one
 * planned: `expect`). A string says why not (nothing is left open then).
 */
export function openDirectory(
  path: string,
  expect?: { dev: number; ino: number },
): OpenDir | string {
  let before;
  try {
    before = lstatSync(path);
  } catch (error) {
    return errnoText(error);
  }
  if (before.isSymbolicLink()) return "a symlink";
  if (!before.isDirectory()) return "not a directory";
  let fd: number;
  try {
    fd = openSync(path, DIR_FLAGS);
  } catch (error) {
    return errnoText(error);
  }
  const opened = fstatSync(fd);
  if (opened.dev !== before.dev || opened.ino !== before.ino) {
    closeSync(fd);
    return "replaced while it was opened";
  }
  if (expect && (opened.dev !== expect.dev || opened.ino !== expect.ino)) {
    closeSync(fd);
    return "replaced since the scan";
  }
  return { fd, dev: opened.dev, ino: opened.ino };
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
