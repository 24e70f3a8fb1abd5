// One acting run at a time per state directory (cron + timer + by hand may overlap).
// The lock file names its holder by (pid, start time), so the lock of a crashed run is
// recognised as stale, and a reused pid is not mistaken for the old holder.
import { linkSync, renameSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { writeTempFile } from "../state/durable.js";
import { readRegularFile } from "../state/safe-read.js";
import { probe } from "./probe.js";

export interface LockHolder {
  pid: number;
  startTicks: number;
  since: string;
}

export type LockResult = { held: true; release: () => void } | { held: false; holder: LockHolder };

export const LOCK_FILE = "cleanup.lock";

export function acquireLock(stateDir: string, procRoot: string, self: LockHolder): LockResult {
  const path = join(stateDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(path, self))
      return { held: true, release: () => releaseIfOurs(path, self) };
    const holder = readHolder(path);
    if (holder === "missing") continue; // released meanwhile: try again
    if (holder !== "unreadable" && isAlive(procRoot, holder)) return { held: false, holder };
    // Stale (its holder is dead) or unreadable (corrupt: never half-written, see createExclusive).
    // Only one taker may remove
    // it: whoever creates the takeover marker for this exact content.
    if (!takeOver(path, procRoot, self)) {
      return {
        held: false,
        holder: holder === "unreadable" ? { pid: 0, startTicks: 0, since: "unknown" } : holder,
      };
    }
  }
  const holder = readHolder(path);
  return {
    held: false,
    holder: typeof holder === "object" ? holder : { pid: 0, startTicks: 0, since: "unknown" },
  };
}

/**
 * Writes the holder to a temp file, then link(2)s it into place: link fails with EEXIST like
 * O_EXCL (a symlink planted at the name included: link never follows it), but the lock never
 * exists without its content, so a reader can't see it half-written. The temp file is created
 * exclusively under a random name (see writeTempFile).
 */
function createExclusive(path: string, self: LockHolder): boolean {
  const temp = writeTempFile(path, JSON.stringify(self));
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function readHolder(path: string): LockHolder | "missing" | "unreadable" {
  let text: string;
  try {
    // A symlink (ELOOP) or a directory at the name is no lock of ours: unreadable, taken over.
    text = readRegularFile(path, 4096);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "missing";
    if (code === "ELOOP" || code === "ENOTREG" || code === "EFBIG") return "unreadable";
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as LockHolder;
    if (Number.isInteger(parsed.pid) && Number.isInteger(parsed.startTicks)) return parsed;
  } catch {
    // fall through
  }
  return "unreadable";
}

function isAlive(procRoot: string, holder: LockHolder): boolean {
  const state = probe(procRoot, holder.pid, holder.startTicks);
  return state.kind === "alive";
}

/** Removes a stale lock if we win the takeover marker. True if the caller should retry. */
function takeOver(path: string, procRoot: string, self: LockHolder): boolean {
  const marker = `${path}.takeover`;
  if (!createExclusive(marker, self)) {
    const other = readHolder(marker);
    if (other === "missing") return true; // cleared meanwhile: try again
    if (typeof other === "object" && isAlive(procRoot, other)) return false; // a live taker is at it
    // A taker that died mid-takeover left its marker. Move it aside atomically, then check that
    // what was moved is that dead one: a new taker's marker may have slipped in meanwhile.
    const aside = `${marker}.${self.pid}.${self.startTicks}.dead`;
    try {
      renameSync(marker, aside);
    } catch {
      return true; // gone meanwhile: try again
    }
    const moved = readHolder(aside);
    if (typeof moved === "object" && isAlive(procRoot, moved)) {
      try {
        linkSync(aside, marker); // put the live taker's marker back
      } catch {
        // yet another marker is there now: it is that taker's to clear
      }
      rmSync(aside, { force: true });
      return false;
    }
    rmSync(aside, { force: true });
    return true;
  }
  try {
    // Only the marker's holder removes a lock: a new one cannot appear while the stale file exists.
    const current = readHolder(path);
    if (current !== "missing" && (current === "unreadable" || !isAlive(procRoot, current))) {
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(marker, { force: true });
  }
  return true;
}

function releaseIfOurs(path: string, self: LockHolder): void {
  const holder = readHolder(path);
  if (
    typeof holder === "object" &&
    holder.pid === self.pid &&
    holder.startTicks === self.startTicks
  ) {
    unlinkSync(path);
  }
}
