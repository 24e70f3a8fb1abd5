// Who holds given sockets: one pass over every process's fd directory, a readdir and a readlink
// per fd and nothing else (no stat, no command line, no namespace link), as `ss -p` does. For
// `cleanup port`, which then reads only the holders (and what judging them needs) in detail.
//
// Every process is looked at, whatever else is known of it: a socket's uid in /proc/net/tcp is
// its creator's (nginx binds as root, its workers run as www-data), fds 0-2 can be sockets
// (inetd, systemd Accept=yes), sockets pass between processes (SCM_RIGHTS), and a forked
// worker shares its parent's listening socket, so the pass never stops at the first holder.
// Socket inodes are unique across the host (one sockfs), so an inode found here is that socket
// whichever network namespace the process is in; whether its sockets are known (the namespace
// check) is the scan's join to judge, for the few processes found here.
import { readdirSync } from "node:fs";
import { readSocketInodes } from "./listeners.js";
import { ScanError } from "./types.js";

export interface SocketPass {
  /** The pids whose fds point at one of the inodes, in the order /proc lists them. */
  holders: number[];
  /**
   * Every listed process's socket inodes as read (fd order; null: its fd directory could not
   * be read), for the scan's socket join (ScanOptions.socketInodes), which need not read the
   * fds again.
   */
  sockets: Map<number, number[] | null>;
}

/** Throws a ScanError if /proc itself cannot be listed. */
export function findSocketHolders(procRoot: string, inodes: ReadonlySet<number>): SocketPass {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch (error) {
    throw new ScanError(
      `cannot read the process table at ${procRoot}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const holders: number[] = [];
  const sockets = new Map<number, number[] | null>();
  for (const name of names) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const pid = Number(name);
    const held = readSocketInodes(procRoot, pid);
    sockets.set(pid, held);
    if (held !== null && held.some((inode) => inodes.has(inode))) holders.push(pid);
  }
  return { holders, sockets };
}
