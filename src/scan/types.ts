// One snapshot of the process table: plain data, no methods, so plan() can be pure and tests
// can build one by hand.

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Kernel name, /proc/PID/comm (at most 15 characters). */
  comm: string;
  /** One letter, as ps shows it: R S D Z T t X I … */
  state: string;
  /** Field 22 of /proc/PID/stat, in clock ticks since boot. With pid, the process's identity. */
  startTicks: number;
  /**
   * Field 20 of stat: its threads. A zombie whose count is above 1 is alive: its main thread
   * exited (pthread_exit) and the others run on (measured: `Z` with 3 for 2 live threads).
   * Absent = not known (fixtures).
   */
  threads?: number;
  kernelThread: boolean;
  ageMs: number;
  rssBytes: number;
  /** user + system CPU time. */
  cpuMs: number;
  // Read only for processes that pass the cheap tests (see scan/detail-filter.ts); null = not read.
  argv: string[] | null;
  /** Set when the command line went on past CMDLINE_LIMIT_BYTES (scan/cmdline.ts): argv is its start. */
  argvTruncated?: true;
  /** With argvTruncated: the whole command line's size in bytes, where the kernel tells it. */
  argvBytes?: number;
  /** Effective uid: from /proc/PID/status when read, else the owner of /proc/PID (see ScanOptions.wantStatus). */
  uid: number | null;
  /**
   * Real and saved uid (from status): kill(2) lets a non-root sender signal a process whose
   * real or saved uid is its own. Null when status was not read.
   */
  signalUids: number[] | null;
  user: string | null;
  exe: string | null;
  /**
   * Listening TCP sockets and bound UDP sockets this process holds (from its fds and
   * /proc/net/*), read only when ScanOptions.wantListeners; absent = not read or unreadable.
   */
  listening?: Listener[];
  /**
   * The control group's path (scan/cgroup.ts: the v2 path, or v1's systemd hierarchy), read
   * only for detailed processes when ScanOptions.wantCgroup (every process with cgroupOfAll).
   * Absent = not read; null = unreadable or not parsable.
   */
  cgroup?: string | null;
  /**
   * The targets of its fds (scan/fd-targets.ts: "/dev/nvidia0", "socket:[123]", "/tmp/x
   * (deleted)"), read only for the processes ScanOptions.openFilesFilter lets through (a
   * `holds` selector could still match them). Absent = not read; null = unknown (the fd
   * directory is unreadable, or it holds more than OPEN_FILES_LIMIT fds).
   */
  openFiles?: string[] | null;
  /**
   * Read only for processes whose comm is in settings.reapers (ScanOptions.reaperNames): what
   * says, besides the name, that it is a subreaper (see rules/orphans.ts). Absent = not read.
   */
  reaperEvidence?: ReaperEvidence;
}

/** Facts about a reaper candidate that its owner cannot choose as it chooses its comm. */
export interface ReaperEvidence {
  /** readlink /proc/PID/exe; null if unreadable. */
  exe: string | null;
  /** Owner and mode (st_mode) of the running executable; null if unreadable. */
  exeUid: number | null;
  exeMode: number | null;
  /** Its mount namespace is the agent's, so `exe` names the file the agent sees at that path. */
  sameMountNamespace: boolean;
  /** The kernel made it the init (PID 1) of a pid namespace; null if status is unreadable. */
  namespaceInit: boolean | null;
}

/** A listening socket, from /proc/net/tcp, tcp6, udp or udp6. */
export interface Listener {
  proto: "tcp" | "tcp6" | "udp" | "udp6";
  /** Local address as text: "127.0.0.1", "0.0.0.0", "::", "::1". */
  address: string;
  port: number;
  inode: number;
}

export interface Snapshot {
  /** Wall clock (ms since epoch) when the scan started. */
  takenAtMs: number;
  procRoot: string;
  clockTicks: number;
  uptimeMs: number;
  /** The agent's own pid: it and its ancestors are never targets. */
  selfPid: number;
  processes: ProcessInfo[];
  /**
   * Only some processes were read (ScanOptions.seeds: given ones, their ancestors, PID 1 and
   * the agent's lineage); every other process of the host is missing from `processes`.
   */
  partial?: true;
  /** How many processes had argv/uid read (passed the cheap tests). */
  detailed: number;
  /**
   * A live run only: how many processes a dry run would have read in detail to explain why a rule
   * spared them, left unread because their stat facts fail every rule (rules/detail-filter.ts).
   */
  notDetailed?: number;
  /** Entries that could not be read (not vanished: e.g. EACCES). */
  unreadable: number;
  scanMs: number;
  /** Every listening socket of the agent's network namespace; only with ScanOptions.wantListeners (absent if unreadable). */
  listeners?: Listener[];
  /** Why the socket tables could not be read, when wantListeners and `listeners` is absent. */
  listenersProblem?: string;
}

export class ScanError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ScanError";
  }
}
