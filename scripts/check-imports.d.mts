/** Tiers top (1) to bottom: folder entries end in "/", file entries name a file directly in src/. */
export declare const TIERS: [number, string[]][];

/** Lines to print: failures make the check fail; temporary ones are allowlisted violations. */
export declare function checkImports(
  root: string,
  allowFile: string | undefined,
): { failures: string[]; temporary: string[] };
