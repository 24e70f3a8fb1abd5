// The run's leftover files (rules.yaml `files:`): each rule's directory listed once, who holds
// what was listed read once over the scanned processes, the pure file plan; the removals come
// after the kills (act.ts), through the session. No `files:` rule: nothing is listed or read.
import type { Config } from "../config/types.js";
import { planFiles } from "../rules/file-plan.js";
import type { FilesReport } from "../report/run-report.js";
import { holderTargets, readHolders } from "../scan/file-holders.js";
import { withUnscanned } from "../scan/process-ids.js";
import { listDir } from "../scan/leftover-files.js";
import type { DirListing, HolderIndex } from "../scan/leftover-types.js";
import type { Snapshot } from "../scan/types.js";
import type { RunContext } from "./context.js";
import { UserNames } from "../host/process-details.js";

/** The report's part, but for the removals (act.ts adds them). */
export type FilesDecided = Omit<FilesReport, "results">;

export function planLeftoverFiles(
  ctx: RunContext,
  config: Config,
  snapshot: Snapshot,
): FilesDecided | undefined {
  if (config.files.length === 0) return undefined;
  const globsByDir = new Map<string, ((name: string) => boolean)[]>();
  for (const rule of config.files)
    for (const glob of rule.paths) {
      const list = globsByDir.get(glob.dir) ?? [];
      list.push((name) => glob.match(name) !== null);
      globsByDir.set(glob.dir, list);
    }
  // The owner's name, as the process scan names users: `owner: alice` matches by it.
  const users = new UserNames(ctx.passwdPath ?? undefined);
  const listings: DirListing[] = [...globsByDir].map(([dir, accepts]) => {
    const listing = listDir(dir, (name) => accepts.some((accept) => accept(name)));
    return { ...listing, files: listing.files.map((f) => ({ ...f, user: users.of(f.uid) })) };
  });
  const files = listings.flatMap((l) => l.files);
  const holders: HolderIndex =
    files.length > 0
      ? readHolders(
          ctx.procRoot,
          holderTargets(
            files,
            listings.map((l) => l.dir),
          ),
          withUnscanned(snapshot.processes, ctx.procRoot),
          { monotonic: () => ctx.clock.monotonic() },
        )
      : { byInode: new Map(), unknown: [], scanned: 0, ms: 0 };
  const plan = planFiles(
    listings,
    holders,
    snapshot,
    config.files,
    config.settings,
    ctx.clock.now(),
  );
  return {
    plan,
    listed: files.length,
    holders: { scanned: holders.scanned, ms: holders.ms, unknown: holders.unknown },
  };
}
