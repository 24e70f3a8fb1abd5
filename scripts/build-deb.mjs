// `npm run deb`: a Debian package of the built bundle (run `npm run build` first; `npm run deb`
// does). dpkg-deb --root-owner-group makes every file root's without fakeroot.
//   /usr/lib/cleanup/        the package as npm ships it (dist/*.js, rules.yaml, systemd/, …),
//                            so the bundle finds ../package.json and ../rules.yaml where it expects
//   /usr/bin/cleanup         symlink to it (node resolves it: the bundle still sees /usr/lib/…)
//   /lib/systemd/system/     cleanup.service (ExecStart rewritten to /usr/bin/cleanup), .timer
//   /etc/cleanup/rules.yaml  conffile: the operator's rules, kept across upgrades
//   /etc/cleanup/env         conffile, 0600: secrets for the sinks (EnvironmentFile= of the unit)
//   /usr/share/man/          cleanup.1.gz, cleanup-rules.5.gz (the build's dist/man/, gzip -9n)
// The timer is not enabled: the operator reads the plan (`cleanup --dry-run`) first.
// Usage: node scripts/build-deb.mjs [--out DIR]   (default: the project root)
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { renderCopyright } from "./deb/copyright.mjs";
import { bundledPackages } from "./third-party.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));
const pkg = JSON.parse(fs.readFileSync(join(root, "package.json"), "utf8"));
const outAt = process.argv.indexOf("--out");
const outDir = outAt > 0 ? process.argv[outAt + 1] : root;
if (!fs.existsSync(join(root, "dist/metafile.json"))) {
  throw new Error("dist/ is not built: run `npm run build` (or `npm run deb`, which does)");
}

function stageTree(stage) {
  const put = (path, content, mode = 0o644) => {
    const at = join(stage, path);
    fs.mkdirSync(dirname(at), { recursive: true });
    fs.writeFileSync(at, content);
    fs.chmodSync(at, mode);
  };
  const link = (path, target) => {
    fs.mkdirSync(dirname(join(stage, path)), { recursive: true });
    fs.symlinkSync(target, join(stage, path));
  };
  const fromRoot = (file) => fs.readFileSync(join(root, file));

  // dist/cli.js and the chunks it loads (dist/chunk-*.js, see scripts/build.mjs), the scripts it
  // loads with V8 code and their caches (scripts/cached-scripts.mjs), as npm ships them.
  const bundle = fs
    .readdirSync(join(root, "dist"))
    .filter((name) => name.endsWith(".js") || name.endsWith("-script.cache"))
    .map((name) => `dist/${name}`);
  for (const file of [...bundle, "dist/THIRD-PARTY-NOTICES.txt", "dist/sbom.cdx.json"]) {
    put(`usr/lib/cleanup/${file}`, fromRoot(file), file === "dist/cli.js" ? 0o755 : 0o644);
  }
  for (const file of [
    "rules.yaml",
    "rules.schema.json",
    "report.schema.json",
    "systemd/cleanup.service",
    "systemd/cleanup.timer",
    "contrib/cron.d/cleanup",
  ]) {
    put(`usr/lib/cleanup/${file}`, fromRoot(file));
  }
  // What the bundle reads of package.json (its version; "type" makes dist/cli.js an ES module).
  const manifest = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    type: pkg.type,
    bin: pkg.bin,
    engines: pkg.engines,
  };
  put("usr/lib/cleanup/package.json", `${JSON.stringify(manifest, null, 2)}\n`);
  link("usr/bin/cleanup", "../lib/cleanup/dist/cli.js");

  put("lib/systemd/system/cleanup.service", debianService(fromRoot("systemd/cleanup.service")));
  put("lib/systemd/system/cleanup.timer", fromRoot("systemd/cleanup.timer"));

  put("etc/cleanup/rules.yaml", fromRoot("rules.yaml"));
  put("etc/cleanup/env", ENV_FILE, 0o600);
  // rules.yaml's first line points editors at ./rules.schema.json: always this version's.
  link("etc/cleanup/rules.schema.json", "/usr/lib/cleanup/rules.schema.json");

  const packages = bundledPackages(
    JSON.parse(fs.readFileSync(join(root, "dist/metafile.json"), "utf8")),
    root,
  );
  put(
    "usr/share/doc/cleanup/copyright",
    renderCopyright(pkg, fs.readFileSync(join(root, "LICENSE"), "utf8"), packages),
  );
  put("usr/share/doc/cleanup/README.md.gz", gzipSync(fromRoot("README.md"), { level: 9 }));
  put("usr/share/doc/cleanup/changelog.gz", gzipSync(changelog(), { level: 9 }));
  // Man pages where man looks: gzip -9n (zlib writes no name and no time, as -n asks).
  for (const page of ["cleanup.1", "cleanup-rules.5"]) {
    const section = page.slice(page.lastIndexOf(".") + 1);
    put(
      `usr/share/man/man${section}/${page}.gz`,
      gzipSync(fromRoot(`dist/man/${page}`), { level: 9 }),
    );
  }
  // 0600 is the point of that file (secrets); lintian flags any mode but 0644 in /etc.
  put(
    "usr/share/lintian/overrides/cleanup",
    "cleanup: non-standard-file-perm 0600 != 0644 [etc/cleanup/env]\n",
  );

  put("DEBIAN/conffiles", "/etc/cleanup/env\n/etc/cleanup/rules.yaml\n");
  put("DEBIAN/md5sums", md5sums(stage));
  put("DEBIAN/control", control(installedSizeKiB(stage)));
  for (const dir of walk(stage).filter((e) => e.isDirectory())) fs.chmodSync(dir.path, 0o755);
  fs.chmodSync(stage, 0o755); // mkdtemp made it 0700: it becomes the package's /
}

/** The repo's unit, with ExecStart at the package's binary. */
function debianService(unit) {
  const text = unit.toString("utf8");
  const execStart = /^ExecStart=\S*\/cleanup(?=\s|$)/gm;
  const found = text.match(execStart) ?? [];
  if (found.length !== 1) {
    throw new Error(
      `systemd/cleanup.service: expected one ExecStart=…/cleanup line, found ${found.length}`,
    );
  }
  return text.replace(execStart, "ExecStart=/usr/bin/cleanup");
}

const ENV_FILE = `# /etc/cleanup/env: secrets for cleanup's alert sinks, read by cleanup.service
# (EnvironmentFile=-/etc/cleanup/env), never by other users: keep it root's, mode 0600.
# One NAME=value per line; /etc/cleanup/rules.yaml refers to them as { env: NAME }, e.g.
#   password: { env: SMTP_PASSWORD }
#   url: { env: WEBHOOK_URL }
# For a run by hand or from cron, export them yourself (cron does not read this file).
#
#SMTP_PASSWORD=
#WEBHOOK_URL=
`;

const MAINTAINER = process.env.DEB_MAINTAINER ?? "The cleanup authors <cleanup@example.org>";

/** Debian wants a changelog in every package; this one points at where the history is. */
function changelog() {
  // The commit's date, not the clock's, so two builds of one commit are the same package.
  const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? gitCommitEpoch() ?? Date.now() / 1000);
  const date = new Date(Math.floor(epoch) * 1000).toUTCString().replace("GMT", "+0000");
  return [
    `${pkg.name} (${pkg.version}) unstable; urgency=medium`,
    "",
    `  * cleanup ${pkg.version}, packaged by scripts/build-deb.mjs from the npm package's`,
    "    bundle. The project's history is its git log; README.md.gz describes this",
    "    version.",
    "",
    ` -- ${MAINTAINER}  ${date}`,
    "",
  ].join("\n");
}

function gitCommitEpoch() {
  try {
    return (
      execFileSync("git", ["log", "-1", "--format=%ct"], { cwd: root, encoding: "utf8" }).trim() ||
      undefined
    );
  } catch {
    return undefined; // not a git checkout (an unpacked tarball): the clock's date
  }
}

function control(installedSize) {
  return [
    `Package: ${pkg.name}`,
    `Version: ${pkg.version}`,
    "Architecture: all",
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedSize}`,
    "Depends: nodejs (>= 20)",
    "Section: admin",
    "Priority: optional",
    "Description: removes orphaned worker processes safely; watches memory, CPU, disk",
    " cleanup is a one-shot agent for Linux hosts, run by a systemd timer, cron or by",
    " hand. It kills only processes a rule names whose parent is gone (for example",
    " multiprocessing workers reparented to PID 1), checks right before each signal",
    " that the pid is still that process, and says why it did or did not touch each.",
    " It also watches memory, CPU and disk, and sends alerts by mail, webhook or",
    " Prometheus Alertmanager.",
    " .",
    " The timer (cleanup.timer) is installed but not enabled: review the plan with",
    " `cleanup --dry-run` first, then `systemctl enable --now cleanup.timer`.",
    "",
  ].join("\n");
}

function walk(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .map((e) => Object.assign(e, { path: join(e.parentPath ?? e.path, e.name) }));
}

function md5sums(stage) {
  return walk(stage)
    .filter((e) => e.isFile() && !relative(stage, e.path).startsWith("DEBIAN/"))
    .map((e) => relative(stage, e.path))
    .sort()
    .map(
      (path) =>
        `${createHash("md5")
          .update(fs.readFileSync(join(stage, path)))
          .digest("hex")}  ${path}\n`,
    )
    .join("");
}

/** As dpkg-gencontrol counts it: KiB per file, rounded up, and one per directory or link. */
function installedSizeKiB(stage) {
  return walk(stage)
    .filter((e) => !relative(stage, e.path).startsWith("DEBIAN"))
    .reduce((sum, e) => sum + (e.isFile() ? Math.ceil(fs.statSync(e.path).size / 1024) : 1), 0);
}

// Last: ENV_FILE and the helpers above are defined by now.
const stage = fs.mkdtempSync(join(tmpdir(), "cleanup-deb-"));
try {
  const deb = join(outDir, `${pkg.name}_${pkg.version}_all.deb`);
  stageTree(stage);
  execFileSync("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", stage, deb], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  process.stdout.write(`${deb}\n`);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
