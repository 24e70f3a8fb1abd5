// Unix sockets bound to a path inside a watched directory, from /proc/net/unix (the agent's
// network namespace) or /proc/PID/net/unix (another's). A listener bound in a dir (the
// forkserver socket in /tmp/pymp-*) is held through its socket inode, "socket:[N]" in the
// server's fds: that inode is not the socket file's, so the two are joined through the path.
//   Num       RefCount Protocol Flags    Type St Inode Path
//   0000000000000000: 00000002 00000000 00010000 0001 01 41234 /tmp/pymp-k2/listener-x

/**
 * Socket inode → bound path, for the sockets whose path starts with one of `prefixes` (each
 * ending in "/"), and those bound by a relative path (as the binder passed it to bind(2),
 * relative to its cwd then: it may be inside a watched directory, which cannot be told).
 * Abstract sockets ("@…") and unbound ones have no such path. A path is the rest of the line
 * after the inode (it may hold spaces); malformed lines are skipped.
 */
export function parseUnixSockets(text: string, prefixes: readonly string[]): Map<number, string> {
  const bound = new Map<number, string>();
  const lines = text.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    // Seven fields, space-separated and padded ("%5lu" for the inode), then " " and the path.
    let at = 0;
    let inodeText = "";
    for (let field = 0; field < 7 && at >= 0; field++) {
      while (line[at] === " ") at += 1;
      const end = line.indexOf(" ", at);
      if (field === 6) inodeText = line.slice(at, end < 0 ? line.length : end);
      at = end;
    }
    if (at < 0 || at + 1 >= line.length || line[at + 1] === "@") continue;
    const path = line.slice(at + 1);
    const inode = Number(inodeText);
    if (!Number.isSafeInteger(inode) || inode <= 0) continue;
    if (!path.startsWith("/") || prefixes.some((prefix) => path.startsWith(prefix)))
      bound.set(inode, path);
  }
  return bound;
}
