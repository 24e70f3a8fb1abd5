export interface BundledPackage {
  name: string;
  version: string;
  license: string;
  /** package.json's author (its name), if any. */
  author?: string;
  /** The package's directory, relative to the build's working directory. */
  dir: string;
  licenseFile: string;
  licenseText: string;
}

export declare function bundledPackages(
  metafile: { inputs: Record<string, unknown> },
  root: string,
): BundledPackage[];
export declare function purl(name: string, version: string): string;
export declare function renderNotices(
  self: { name: string; version: string },
  packages: BundledPackage[],
): string;
export declare function renderSbom(
  self: { name: string; version: string; license: string },
  packages: BundledPackage[],
): string;
