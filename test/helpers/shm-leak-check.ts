// vitest globalSetup: the suite must leave no new multiprocessing leftovers on the host. A pool a
// test SIGKILLs (with its resource tracker) leaves files whose names CPython or joblib chose:
// semaphores (/dev/shm/sem.mp-*, sem.loky-*), joblib's memmapping folders, shared memory
// segments (psm_*) and temp dirs (TMPDIR/pymp-*). No test may remove them from the host (they
// carry no token), so tests run such programs with a private /dev/shm (private-shm.ts) and a
// TMPDIR of their own. This check lists those names before the suite and after it and fails the
// run if any appeared. It reads names only and removes nothing.
// Another program on the host making such files while the suite runs (another suite of a
// checkout without private /dev/shm, a real pool) is counted too, and names cannot say whose a
// file is. So the check fails the run only where nothing else runs: in CI (CI set, as .ci/run
// is run) or with CLEANUP_TEST_SHM_CHECK=strict; elsewhere it prints the names as a warning.
// CLEANUP_TEST_SHM_CHECK=off turns it off.
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const WATCHED: readonly { dir: string; names: RegExp }[] = [
  { dir: "/dev/shm", names: /^(sem\.mp-|sem\.loky-|psm_|joblib_memmapping_folder_)/ },
  { dir: tmpdir(), names: /^pymp-/ },
];

function leftovers(): Set<string> {
  const found = new Set<string>();
  for (const { dir, names } of WATCHED) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue; // no such directory here: nothing to leave in it
    }
    for (const name of entries) if (names.test(name)) found.add(join(dir, name));
  }
  return found;
}

export default function setup(): (() => void) | undefined {
  const mode = process.env.CLEANUP_TEST_SHM_CHECK;
  if (mode === "off") return undefined;
  const strict = mode === "strict" || (process.env.CI !== undefined && process.env.CI !== "");
  const before = leftovers();
  return () => {
    const added = [...leftovers()].filter((path) => !before.has(path)).sort();
    if (added.length === 0) return;
    const shown = added.slice(0, 20).join("\n  ");
    const more = added.length > 20 ? `\n  … and ${added.length - 20} more` : "";
    const message =
      `the test run left ${added.length} new multiprocessing file(s) on the host (a pool run ` +
      `without a private /dev/shm or TMPDIR: see test/helpers/private-shm.ts); nothing was ` +
      `removed:\n  ${shown}${more}\n(another program on this host making such files meanwhile ` +
      `is counted too; CLEANUP_TEST_SHM_CHECK=off turns this check off)`;
    if (!strict) {
      process.stderr.write(`warning: ${message}\n(not failing the run: CI is not set)\n`);
      return;
    }
    // vitest prints an error thrown from a global teardown but exits 0 for it: set the code.
    process.exitCode = 1;
    throw new Error(message);
  };
}
