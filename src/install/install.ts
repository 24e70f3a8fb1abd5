// `cleanup install`: what to write where, as a plan of actions, without writing anything.
// apply.ts carries the plan out, describe.ts prints it. The plan reads the package's own files
// and asks about the target only through `existing` and `read`, so a test can run it against a
// temp dir and the CLI can show it with --dry-run.
import { dirname, join } from "node:path";
import { UsageError } from "../shared/usage-error.js";

export type Scheduler = "systemd" | "cron";

export interface InstallOptions {
  scheduler: Scheduler;
  /** "/" normally; a temp dir in tests, or an image being built. */
  root: string;
  /** Absolute path of the cleanup binary, as the host will run it (ExecStart, the cron line). */
  binPath: string;
  /** A node to run binPath with, when `#!/usr/bin/env node` would not find one (see bin-path.ts). */
  node?: string;
  /** Where the package's systemd/, contrib/, rules.yaml, rules.schema.json and dist/man/ are. */
  packageDir: string;
  existing: (path: string) => boolean;
  /** A file's text: the package's files, and a target that exists (to tell unchanged from changed). */
  read: (path: string) => string;
}

export type InstallAction =
  | { kind: "mkdir"; path: string; reason: string; mode: number }
  | {
      kind: "write";
      path: string;
      reason: string;
      content: string;
      mode: number;
      /** false: create only, never replace (rules.yaml: the operator's file). */
      overwrite: boolean;
    }
  | { kind: "skip"; path: string; reason: string };

/** The paths on the target host; planInstall puts them under `root`. */
export const TARGET = {
  configDir: "/etc/cleanup",
  rules: "/etc/cleanup/rules.yaml",
  schema: "/etc/cleanup/rules.schema.json",
  unitDir: "/etc/systemd/system",
  service: "/etc/systemd/system/cleanup.service",
  timer: "/etc/systemd/system/cleanup.timer",
  cronDir: "/etc/cron.d",
  cron: "/etc/cron.d/cleanup",
  man1: "/usr/local/share/man/man1/cleanup.1",
  man5: "/usr/local/share/man/man5/cleanup-rules.5",
} as const;

/** The package's man pages (the build writes them) and where each goes. */
export const MAN_PAGES = [
  { source: "dist/man/cleanup.1", target: TARGET.man1 },
  { source: "dist/man/cleanup-rules.5", target: TARGET.man5 },
] as const;

/** The binary path the shipped unit and cron line name; install replaces it with binPath. */
export const SHIPPED_BIN = "/usr/local/bin/cleanup";

// rules.yaml holds no secrets as shipped (the README sends them to { env } / { file }), and
// `cleanup status` or `--dry-run` by an ordinary user reads /etc/cleanup/rules.yaml when it
// exists: 0600 would make those fail with EACCES. cron ignores /etc/cron.d files that are
// group- or world-writable; units need no more than 0644 either.
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

// Characters that mean the same in a systemd command line and in a cron (shell) line, so the
// path needs no quoting in either: no space, no quote, no "%" (a specifier for systemd, a newline
// for cron), no "$" or "\".
const PLAIN_PATH = /^\/[A-Za-z0-9._+@:/-]*$/;

export function planInstall(options: InstallOptions): InstallAction[] {
  const plain =
    "must be absolute and made of letters, digits and ./_+@:- only (it goes unquoted into ExecStart= and the cron line)";
  if (!PLAIN_PATH.test(options.binPath))
    throw new UsageError(
      `the binary path ${JSON.stringify(options.binPath)} ${plain}: give --bin PATH, e.g. a symlink to it with a plain path`,
    );
  if (options.node !== undefined && !PLAIN_PATH.test(options.node))
    throw new UsageError(
      `the node path ${JSON.stringify(options.node)} ${plain}: link node into /usr/local/bin, which the service PATH searches`,
    );
  if (!options.root.startsWith("/"))
    throw new UsageError(`--root ${JSON.stringify(options.root)} must be an absolute path`);

  const at = (target: string) => join(options.root, target);
  const fromPackage = (file: string) => options.read(join(options.packageDir, file));
  const command = options.node ? `${options.node} ${options.binPath}` : options.binPath;
  const actions: InstallAction[] = [];

  const mkdir = (target: string) => {
    if (!options.existing(at(target)))
      actions.push({ kind: "mkdir", path: at(target), reason: "missing", mode: DIR_MODE });
  };
  /** The package's version of a file: written when missing or different, else left alone. */
  const ours = (target: string, content: string, replacing: string) => {
    const path = at(target);
    if (!options.existing(path)) {
      actions.push({
        kind: "write",
        path,
        reason: "new",
        content,
        mode: FILE_MODE,
        overwrite: true,
      });
    } else if (options.read(path) === content) {
      actions.push({ kind: "skip", path, reason: "unchanged" });
    } else {
      actions.push({
        kind: "write",
        path,
        reason: replacing,
        content,
        mode: FILE_MODE,
        overwrite: true,
      });
    }
  };

  mkdir(TARGET.configDir);
  if (options.existing(at(TARGET.rules))) {
    actions.push({ kind: "skip", path: at(TARGET.rules), reason: "exists: kept" });
  } else {
    actions.push({
      kind: "write",
      path: at(TARGET.rules),
      reason: "the bundled rules; review with: cleanup --dry-run",
      content: fromPackage("rules.yaml"),
      mode: FILE_MODE,
      overwrite: false,
    });
  }
  // rules.yaml's first line points editors at ./rules.schema.json: keep one next to it, of the
  // installed version.
  ours(TARGET.schema, fromPackage("rules.schema.json"), "replaced by this version's schema");

  if (options.scheduler === "systemd") {
    mkdir(TARGET.unitDir);
    const local = "replaced (local changes belong in a drop-in: systemctl edit cleanup.service)";
    ours(TARGET.service, serviceWith(fromPackage("systemd/cleanup.service"), command), local);
    ours(TARGET.timer, fromPackage("systemd/cleanup.timer"), local);
    if (options.existing(at(TARGET.cron)))
      actions.push({ kind: "skip", path: at(TARGET.cron), reason: BOTH_SCHEDULERS });
  } else {
    mkdir(TARGET.cronDir);
    ours(TARGET.cron, cronWith(fromPackage("contrib/cron.d/cleanup"), command), "replaced");
    if (options.existing(at(TARGET.timer)))
      actions.push({ kind: "skip", path: at(TARGET.timer), reason: BOTH_SCHEDULERS });
  }

  // Last: /usr/local may be read-only (an image, a container) where /etc is not, and a page
  // that cannot be written should not stop the units from being installed first.
  for (const page of MAN_PAGES) {
    const source = join(options.packageDir, page.source);
    if (!options.existing(source)) {
      actions.push({ kind: "skip", path: at(page.target), reason: NOT_BUILT });
      continue;
    }
    mkdir(dirname(page.target));
    ours(page.target, options.read(source), "replaced by this version's page");
  }
  return actions;
}

// A checkout run before `npm run build` has no pages; the npm package always has them (the .deb
// puts its own into /usr/share/man, and needs no install).
const NOT_BUILT = "not in this package's dist/man/ (in a checkout, `npm run build` writes it)";

const BOTH_SCHEDULERS =
  "left alone, but the other scheduler is installed too: remove one (the lock keeps their runs apart, but every other run would only find it busy)";

/** The shipped unit with ExecStart running `command`. */
export function serviceWith(unit: string, command: string): string {
  const execStart = new RegExp(`^ExecStart=${escape(SHIPPED_BIN)}(?= )`, "gm");
  const found = unit.match(execStart)?.length ?? 0;
  if (found !== 1)
    throw new Error(`cleanup.service: expected one ExecStart=${SHIPPED_BIN} line, found ${found}`);
  return unit.replace(execStart, `ExecStart=${command}`);
}

/** The shipped cron file with its job lines (and the commented alternative) running `command`. */
export function cronWith(file: string, command: string): string {
  const job = new RegExp(
    `^(#\\s*)?(\\S+ \\S+ \\S+ \\S+ \\S+ root )${escape(SHIPPED_BIN)}(?= )`,
    "gm",
  );
  let active = 0;
  const out = file.replace(job, (_line, comment: string | undefined, head: string) => {
    if (!comment) active += 1;
    return `${comment ?? ""}${head}${command}`;
  });
  if (active !== 1)
    throw new Error(
      `contrib/cron.d/cleanup: expected one job line running ${SHIPPED_BIN}, found ${active}`,
    );
  return out;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
