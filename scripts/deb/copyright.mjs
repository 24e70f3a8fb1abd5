// /usr/share/doc/cleanup/copyright in Debian's machine-readable format (DEP-5): cleanup's own
// MIT licence, then one paragraph per package bundled into dist/cli.js with its licence text as
// that package ships it. Files: names the sources the bundle was built from (node_modules/…).

/** A DEP-5 field value's continuation lines: one leading space, empty lines as " .". */
function indent(text) {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => (line.trim() === "" ? " ." : ` ${line.trimEnd()}`))
    .join("\n");
}

/** The copyright lines of a licence text, else its package.json's author, else "its authors". */
function holders(p) {
  const lines = p.licenseText
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^(copyright\b|\(c\)|©)/i.test(l) && !/copyright notice/i.test(l))
    .map((l) => l.replace(/^copyright\s*(\(c\)|©)?\s*/i, ""));
  if (lines.length > 0) return lines;
  return [p.author || `the ${p.name} authors`];
}

/**
 * @param {{ name: string, version: string }} self
 * @param {string} selfLicenseText the text of LICENSE
 * @param {import("../third-party.mjs").BundledPackage[]} packages
 */
export function renderCopyright(self, selfLicenseText, packages) {
  const paragraphs = [
    [
      "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
      `Upstream-Name: ${self.name}`,
      "Comment: /usr/lib/cleanup/dist/cli.js, its chunks and scripts (dist/chunk-*.js, dist/*-script.js) bundle the packages listed",
      ` below (their sources: the node_modules/ paths named). The same texts are in`,
      " /usr/lib/cleanup/dist/THIRD-PARTY-NOTICES.txt, and a CycloneDX SBOM of them in",
      " /usr/lib/cleanup/dist/sbom.cdx.json.",
    ].join("\n"),
    [
      "Files: *",
      `Copyright:${indent(holders({ ...self, licenseText: selfLicenseText }).join("\n"))}`,
      `License: MIT\n${indent(licenceBody(selfLicenseText))}`,
    ].join("\n"),
    ...packages.map((p) =>
      [
        `Files: ${p.dir}/*`,
        `Copyright:${indent(holders(p).join("\n"))}`,
        `Comment: ${p.name} ${p.version}, bundled into /usr/lib/cleanup/dist/cli.js`,
        `License: ${p.license}\n${indent(p.licenseText)}`,
      ].join("\n"),
    ),
  ];
  return `${paragraphs.join("\n\n")}\n`;
}

/** LICENSE without its title and copyright lines, which the paragraph's fields carry. */
function licenceBody(text) {
  return text
    .split("\n")
    .filter((l) => !/^(MIT License|Copyright \(c\).*)$/.test(l.trim()))
    .join("\n")
    .trim();
}
