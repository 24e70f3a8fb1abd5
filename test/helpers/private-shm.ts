// A program run with a /dev/shm of its own. Python pools make files whose names CPython (or
// joblib's loky) chooses, not the test: a multiprocessing Lock or queue is a POSIX semaphore
// /dev/shm/sem.mp-XXXXXXXX, loky's are /dev/shm/sem.loky-*, joblib keeps a memmapping folder
// there. Their resource tracker unlinks them at a clean exit; a test that SIGKILLs the pool and
// its tracker leaves them behind, and no test may remove them from the host's /dev/shm (they
// carry no token). So such a program runs in a mount namespace of its own whose /dev/shm is a
// fresh tmpfs: what it and its children make there goes away with the namespace's last process,
// and the host's /dev/shm is never written.
// Only the mount namespace: unshare(1) without --fork, and the shell, exec in place, so the pid
// the test spawns is the program itself, in the host's pid namespace, with its own argv and
// start time; the agent sees and signals it, and its children, as before. Setsid (Node's
// `detached`) is kept across both execs. As root the namespace is a mount namespace only; a
// non-root test adds a user namespace (--map-root-user: mounting needs it), whose processes the
// test's user, its owner, still reads and signals from outside.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

const isRoot = process.getuid?.() === 0;

/** The shell inside the namespace: $0 names the tmpfs (the test's token), then the program. */
const MOUNT_AND_EXEC = 'mount -t tmpfs -o mode=1777 "$0" /dev/shm && exec "$@"';

/** The command and arguments that run `argv` with a private /dev/shm (a tmpfs `shm-<token>`). */
export function privateShmArgv(token: string, argv: readonly string[]): [string, string[]] {
  if (argv.length === 0) throw new Error("privateShmArgv: no program");
  return [
    "unshare",
    [
      ...(isRoot ? [] : ["--user", "--map-root-user"]),
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/sh",
      "-c",
      MOUNT_AND_EXEC,
      `shm-${token}`,
      ...argv,
    ],
  ];
}

/** spawn(argv[0], argv.slice(1), options), with a private /dev/shm (see privateShmArgv). */
export function spawnPrivateShm(
  token: string,
  argv: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  const [command, args] = privateShmArgv(token, argv);
  return spawn(command, args, options);
}
