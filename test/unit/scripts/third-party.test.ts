// The notices and the SBOM name exactly the packages esbuild bundles, each at the version its
// own package.json gives, with its own licence text: checked on the real CLI bundle's metafile
// and on a made-up node_modules tree (scoped, nested, a package without a licence file).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { bundleOptions } from "../../../scripts/bundle-options.mjs";
import { bundledPackages, purl, renderNotices, renderSbom } from "../../../scripts/third-party.mjs";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const self = { name: "cleanup", version: "9.8.7", license: "MIT" };

interface Sbom {
  bomFormat: string;
  specVersion: string;
  metadata: { component: { name: string; version: string; purl: string } };
  components: {
    group?: string;
    name: string;
    version: string;
    purl: string;
    licenses: { license?: { id: string }; expression?: string }[];
  }[];
  dependencies: { ref: string; dependsOn: string[] }[];
}

const work = mkdtempSync(join(tmpdir(), "cleanup-third-party-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the CLI bundle's third-party packages", async () => {
  const { metafile } = await build({
    ...bundleOptions,
    absWorkingDir: ROOT,
    entryPoints: ["src/cli.ts"],
    outdir: join(work, "out"),
    write: false,
    metafile: true,
  });
  // Derived here on its own: the directory under the last node_modules/ of every input.
  const expected = new Map<string, string>();
  for (const input of Object.keys(metafile.inputs)) {
    const at = input.lastIndexOf("node_modules/");
    if (at < 0) continue;
    const rest = input.slice(at + "node_modules/".length).split("/");
    const dir =
      input.slice(0, at) +
      "node_modules/" +
      rest.slice(0, rest[0]!.startsWith("@") ? 2 : 1).join("/");
    const manifest = JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")) as {
      name: string;
      version: string;
    };
    expected.set(manifest.name, manifest.version);
  }
  const packages = bundledPackages(metafile, ROOT);

  it("finds the packages the bundle is known to carry, and no dev tool", () => {
    for (const name of ["yaml", "zod", "pino", "nodemailer", "node-cron", "re2js"])
      expect(expected.has(name)).toBe(true);
    for (const name of ["esbuild", "typescript", "vitest", "smtp-server"])
      expect(expected.has(name)).toBe(false);
  });

  it("lists in the SBOM exactly those packages, versions and purls", () => {
    const sbom = JSON.parse(renderSbom(self, packages)) as Sbom;
    expect(sbom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6" });
    expect(sbom.metadata.component).toMatchObject({
      name: "cleanup",
      version: "9.8.7",
      purl: "pkg:npm/cleanup@9.8.7",
    });
    const listed = new Map(
      sbom.components.map((c) => [c.group ? `${c.group}/${c.name}` : c.name, c.version]),
    );
    expect(listed).toEqual(expected);
    for (const c of sbom.components) {
      const name = c.group ? `${c.group}/${c.name}` : c.name;
      expect(c.purl).toBe(purl(name, c.version));
      expect(c.purl).toMatch(/^pkg:npm\/(%40[^/@]+\/)?[^/@]+@\d+\.\d+\.\d+/);
      const manifest = JSON.parse(
        readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8"),
      ) as { license: string };
      expect(c.licenses).toEqual([{ license: { id: manifest.license } }]);
    }
    expect(sbom.dependencies).toEqual([
      { ref: "pkg:npm/cleanup@9.8.7", dependsOn: sbom.components.map((c) => c.purl) },
    ]);
  });

  it("gives every one of them, and only them, a notice with its own licence text", () => {
    const notices = renderNotices(self, packages);
    const headed = [...notices.matchAll(/^={78}\n(\S+) (\S+)\n/gm)].map((m) => [m[1], m[2]]);
    expect(new Map(headed as [string, string][])).toEqual(expected);
    expect(headed).toHaveLength(expected.size);
    for (const p of packages) {
      expect(p.licenseText.length).toBeGreaterThan(100);
      expect(notices).toContain(p.licenseText);
    }
    expect(notices).toContain(`bundles the following ${expected.size} packages`);
  });
});

describe("bundledPackages on a made-up tree", () => {
  const tree = join(work, "tree");
  const pkg = (dir: string, manifest: object, licence?: [string, string]) => {
    mkdirSync(join(tree, dir), { recursive: true });
    writeFileSync(join(tree, dir, "package.json"), JSON.stringify(manifest));
    if (licence) writeFileSync(join(tree, dir, licence[0]), licence[1]);
  };
  pkg("node_modules/@scope/inner", { name: "@scope/inner", version: "1.2.3", license: "ISC" }, [
    "LICENSE.md",
    "ISC text\n",
  ]);
  pkg("node_modules/outer", { name: "outer", version: "2.0.0", license: "(MIT OR Apache-2.0)" }, [
    "LICENCE",
    "MIT or Apache text",
  ]);
  // A second copy of a name, nested under another package: its own version counts.
  pkg("node_modules/outer/node_modules/dup", { name: "dup", version: "0.1.0", license: "MIT" }, [
    "license.txt",
    "old MIT text",
  ]);
  pkg("node_modules/dup", { name: "dup", version: "0.2.0", license: "MIT" }, ["COPYING", "new"]);
  pkg("node_modules/bare", { name: "bare", version: "1.0.0", license: "MIT" });

  const inputs = (...paths: string[]) => ({
    inputs: Object.fromEntries(paths.map((p) => [p, {}])),
  });

  it("groups files by package, nested copies apart, scoped names whole", () => {
    const found = bundledPackages(
      inputs(
        "src/cli.ts",
        "node_modules/@scope/inner/lib/a.js",
        "node_modules/@scope/inner/lib/deep/b.js",
        "node_modules/outer/index.js",
        "node_modules/outer/node_modules/dup/x.js",
        "node_modules/dup/y.js",
      ),
      tree,
    );
    expect(found.map((p) => [p.name, p.version, p.license, p.licenseText])).toEqual([
      ["@scope/inner", "1.2.3", "ISC", "ISC text"],
      ["dup", "0.1.0", "MIT", "old MIT text"],
      ["dup", "0.2.0", "MIT", "new"],
      ["outer", "2.0.0", "(MIT OR Apache-2.0)", "MIT or Apache text"],
    ]);
    const sbom = JSON.parse(renderSbom(self, found)) as Sbom;
    expect(sbom.components[0]).toMatchObject({
      group: "@scope",
      name: "inner",
      purl: "pkg:npm/%40scope/inner@1.2.3",
    });
    expect(sbom.components[3]!.licenses).toEqual([{ expression: "(MIT OR Apache-2.0)" }]);
  });

  it("stops at a bundled package that has no licence file", () => {
    expect(() => bundledPackages(inputs("node_modules/bare/index.js"), tree)).toThrow(
      "node_modules/bare: bundled, but has no LICENSE file to ship",
    );
  });
});
