// What the bundle carries from other people: the packages esbuild put into dist/*.js, read
// from its metafile (not from package.json, whose devDependencies are mostly tools), each with
// its version and licence from its own package.json and its licence text from its own files.
// The build writes the notices and a CycloneDX SBOM from this; scripts/build-deb.mjs the
// Debian copyright file. A bundled package without a licence file stops the build: its
// licence (MIT, ISC) asks for the notice to travel with the copy, and there would be none.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Input paths end in node_modules/NAME/… or node_modules/@SCOPE/NAME/…; the last one counts. */
const PACKAGE_DIR = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//;
const LICENCE_FILE = /^(licen[cs]e|copying)(\.(md|txt|markdown))?$/i;

/**
 * The bundled packages, one per package directory, sorted by name then version.
 * @param {{ inputs: Record<string, unknown> }} metafile esbuild's metafile of the bundle
 * @param {string} root the directory esbuild ran in (metafile paths are relative to it)
 */
export function bundledPackages(metafile, root) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const dir = PACKAGE_DIR.exec(input)?.[1];
    if (dir) dirs.add(dir);
  }
  return [...dirs]
    .map((dir) => describePackage(root, dir))
    .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

function describePackage(root, dir) {
  const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
  const licenceFile = readdirSync(join(root, dir)).find((f) => LICENCE_FILE.test(f));
  if (!licenceFile) throw new Error(`${dir}: bundled, but has no LICENSE file to ship`);
  return {
    name: manifest.name,
    version: manifest.version,
    license: typeof manifest.license === "string" ? manifest.license : "UNKNOWN",
    author: typeof manifest.author === "object" ? manifest.author?.name : manifest.author,
    dir,
    licenseFile: licenceFile,
    licenseText: readFileSync(join(root, dir, licenceFile), "utf8").trimEnd(),
  };
}

/** pkg:npm purl; the scope's @ is percent-encoded as the purl spec asks. */
export function purl(name, version) {
  return `pkg:npm/${name.replace(/^@/, "%40")}@${version}`;
}

/** CycloneDX licence entry: an SPDX expression when it combines ids, else one id. */
function licenseEntry(license) {
  if (/\s(OR|AND|WITH)\s|[()]/.test(license)) return { expression: license };
  if (/^[A-Za-z0-9.+-]+$/.test(license)) return { license: { id: license } };
  return { license: { name: license } };
}

/** dist/THIRD-PARTY-NOTICES.txt: every bundled package's name, version, licence and its text. */
export function renderNotices(self, packages) {
  const head = [
    `${self.name} ${self.version}: third-party software in dist/*.js`,
    "",
    `dist/cli.js with the chunks and scripts it loads (dist/chunk-*.js, dist/*-script.js) bundles the following ${packages.length} packages.`,
    "Their copyright notices and licences follow, as each package ships them.",
    "",
    ...packages.map((p) => `  ${p.name} ${p.version} (${p.license})`),
  ];
  const sections = packages.map((p) =>
    [
      "=".repeat(78),
      `${p.name} ${p.version}`,
      `License: ${p.license} (from ${p.dir}/${p.licenseFile})`,
      "-".repeat(78),
      p.licenseText,
    ].join("\n"),
  );
  return `${[head.join("\n"), ...sections].join("\n\n")}\n`;
}

/** A CycloneDX 1.6 SBOM of the bundle: the package itself and the packages inside it. */
export function renderSbom(self, packages) {
  const component = (p, type) => {
    const scoped = /^(@[^/]+)\/(.+)$/.exec(p.name);
    return {
      type,
      "bom-ref": purl(p.name, p.version),
      ...(scoped ? { group: scoped[1], name: scoped[2] } : { name: p.name }),
      version: p.version,
      purl: purl(p.name, p.version),
      licenses: [licenseEntry(p.license)],
    };
  };
  const sbom = {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    version: 1,
    metadata: {
      // Only with SOURCE_DATE_EPOCH: otherwise two builds of one commit would differ.
      ...(process.env.SOURCE_DATE_EPOCH
        ? { timestamp: new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000).toISOString() }
        : {}),
      component: component(self, "application"),
    },
    components: packages.map((p) => component(p, "library")),
    dependencies: [
      {
        ref: purl(self.name, self.version),
        dependsOn: packages.map((p) => purl(p.name, p.version)),
      },
    ],
  };
  return `${JSON.stringify(sbom, null, 2)}\n`;
}
