import type { BundledPackage } from "../third-party.mjs";

export declare function renderCopyright(
  self: { name: string; version: string },
  selfLicenseText: string,
  packages: BundledPackage[],
): string;
