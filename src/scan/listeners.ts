// Listening sockets: the kernel's socket tables (/proc/net/tcp, tcp6, udp, udp6) joined to the
// processes holding them through the socket inodes their fds point at (/proc/PID/fd/N →
// "socket:[inode]").
//
// /proc/net is /proc/self/net: the tables of the agent's own network namespace. A process in
// another namespace (a container with its own network) holds sockets that are not in these
// tables: joined against them it would look as if it listened on nothing. The scan therefore
// compares each process's /proc/PID/ns/net with the agent's (readNetNamespace) and leaves its
// sockets unknown when they differ.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { endianness } from "node:os";
import { fdsReadable } from "./fd-targets.js";
import type { Listener } from "./types.js";

const TCP_LISTEN = "0A";
/** TCP_CLOSE: what a bound UDP socket shows; a connected one shows 01 (ESTABLISHED). */
const UDP_UNCONNECTED = "07";
const LITTLE_ENDIAN = endianness() === "LE";

/**
 * The listening sockets of one table, in its order. TCP: state LISTEN. UDP: bound and not
 * connected (state 07, remote port 0): what "listening" means for UDP. Malformed lines are
 * skipped; never throws.
 */
export function parseNetTable(text: string, proto: Listener["proto"]): Listener[] {
  const udp = proto === "udp" || proto === "udp6";
  const listeners: Listener[] = [];
  const lines = text.split("\n");
  // Line 0 is the header ("sl local_address rem_address st … inode").
  for (let i = 1; i < lines.length; i++) {
    // sl: local rem st tx:rx tr:when retrnsmt uid timeout inode …
    const fields = (lines[i] as string).trim().split(/\s+/);
    if (fields.length < 10 || !fields[0]?.endsWith(":")) continue;
    const state = fields[3];
    if (udp ? state !== UDP_UNCONNECTED : state !== TCP_LISTEN) continue;
    const local = splitEndpoint(fields[1] as string);
    const remote = splitEndpoint(fields[2] as string);
    if (!local || !remote) continue;
    if (udp && remote.port !== 0) continue;
    const address = decodeAddress(local.hex);
    const inode = Number(fields[9]);
    if (address === null || local.port === 0 || !Number.isSafeInteger(inode) || inode <= 0) {
      continue;
    }
    listeners.push({ proto, address, port: local.port, inode });
  }
  return listeners;
}

const PROTOS: readonly Listener["proto"][] = ["tcp", "tcp6", "udp", "udp6"];

/**
 * Every listening socket of the agent's network namespace, from `${procRoot}/net/{tcp,tcp6,udp,udp6}`.
 * A missing table (no IPv6 in the kernel) is skipped; any other read error is thrown, as is
 * finding none of the four (no net/ under procRoot): an empty table would read as "nothing
 * listens anywhere", and a protect entry naming a port would then protect nothing.
 */
export function readListenerTable(procRoot: string): Listener[] {
  const listeners: Listener[] = [];
  let found = 0;
  for (const proto of PROTOS) {
    let text: string;
    try {
      // Not readProcText: that stops at a short first read, and /proc/net files come out one
      // page per read(). readFileSync reads a size-0 file until EOF.
      text = readFileSync(`${procRoot}/net/${proto}`, "latin1");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    found += 1;
    for (const listener of parseNetTable(text, proto)) listeners.push(listener);
  }
  if (found === 0) throw new Error(`no socket tables under ${procRoot}/net`);
  return listeners;
}

/**
 * The socket inodes a process holds through its fds, in fd order (may repeat: dup'ed fds).
 * Null when its fd directory cannot be read (another user's process without root: EACCES; a
 * process that vanished). An fd closed between readdir and readlink is skipped. Every fd is
 * read (no limit): a server with many connections still has its listening socket known.
 */
export function readSocketInodes(procRoot: string, pid: number): number[] | null {
  // readFdTargets's rules (what is unknown, what is skipped), without keeping every target: a
  // socket join over every process reads ~3 fds each, and only socket links matter to it.
  // readdirSync, not opendirSync: every fd is read anyway (no limit to stop at), and Node 20
  // builds a Dir (two promisified methods) per call: measured at 19,000 processes, opendir and
  // Dir.read took 330 ms of the join's 630.
  const path = `${procRoot}/${pid}/fd`;
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return null;
  }
  const found: [fd: number, inode: number][] = [];
  for (const name of names) {
    let target: string;
    try {
      target = readlinkSync(`${path}/${name}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      return null;
    }
    const inode = socketInode(target);
    if (inode !== null) found.push([Number(name), inode]);
  }
  return found.sort((a, b) => a[0] - b[0]).map((f) => f[1]);
}

/** "socket:[12345]" → 12345; null for any other target. */
function socketInode(target: string): number | null {
  if (!target.startsWith("socket:[") || !target.endsWith("]")) return null;
  const inode = Number(target.slice(8, -1));
  return Number.isSafeInteger(inode) && inode > 0 ? inode : null;
}

/** The socket inodes among fd targets ("socket:[12345]"), in their order. */
export function socketInodes(targets: readonly string[]): number[] {
  const inodes: number[] = [];
  for (const target of targets) {
    const inode = socketInode(target);
    if (inode !== null) inodes.push(inode);
  }
  return inodes;
}

export { fdsReadable };

/**
 * The network namespace of `${procRoot}/${who}` ("self" or a pid), as its ns/net link reads:
 * "net:[4026531840]". Null when it cannot be read (a process that vanished, another user's
 * process without root: reading it needs ptrace access; a fixture tree without it).
 */
export function readNetNamespace(procRoot: string, who: number | "self"): string | null {
  try {
    return readlinkSync(`${procRoot}/${who}/ns/net`);
  } catch {
    return null;
  }
}

/** "0100007F:1F90" → hex address and port; null if malformed. */
function splitEndpoint(text: string): { hex: string; port: number } | null {
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  const portHex = text.slice(colon + 1);
  if (!/^[0-9A-Fa-f]{1,4}$/.test(portHex)) return null;
  return { hex: text.slice(0, colon), port: parseInt(portHex, 16) };
}

/** 8 hex digits (IPv4) or 32 (IPv6), each 32-bit word in host byte order; null if malformed. */
function decodeAddress(hex: string): string | null {
  if ((hex.length !== 8 && hex.length !== 32) || !/^[0-9A-Fa-f]+$/.test(hex)) return null;
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const value = parseInt(hex.slice(word, word + 8), 16);
    const big = [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
    bytes.push(...(LITTLE_ENDIAN ? big.reverse() : big));
  }
  return bytes.length === 4 ? bytes.join(".") : formatIpv6(bytes);
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
function formatIpv6(bytes: number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  // IPv4-mapped (::ffff:a.b.c.d), as Node's net prints it.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes.slice(12).join(".")}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const text = (part: number[]): string => part.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return text(groups);
  return `${text(groups.slice(0, bestStart))}::${text(groups.slice(bestStart + bestLength))}`;
}
