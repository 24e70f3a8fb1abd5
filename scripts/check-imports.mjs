// Enforces the layering of src/ (issue 13): imports run DOWN the tier list only. A file may
// import from its own folder and from folders in a lower tier (higher number); never from a
// higher tier, and never from a different folder of the same tier. `import type`, `export … from`
// and `import("…")` (values and types) all count: a type import still ties the two layers.
//
//   node scripts/check-imports.mjs [--root DIR] [--allow FILE]
//
// --root is the project root holding src/ (default: this repository); --allow is the list of
// known, temporary violations (default: scripts/import-violations.allow under the root; "none"
// for no list). Exit 0 when clean, 1 on any violation, 2 on a usage error.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * The tier table, top (1) to bottom (18). A folder entry ends in "/" and covers every file
 * under src/<folder>/; a file entry names a file directly in src/. Any other file directly in
 * src/ is an error: it must live in a folder. Kept as data so the integrator can adjust it.
 */
export const TIERS = [
  [1, ["cli.ts", "main.ts"]],
  [2, ["commands/"]],
  [3, ["daemon/", "install/"]],
  [4, ["exit-codes.ts"]],
  [5, ["port/"]],
  [6, ["run/"]],
  [7, ["report/"]],
  [8, ["services/"]],
  [9, ["alerts/"]],
  [10, ["act/"]],
  [11, ["rules/"]],
  [12, ["host/"]],
  [13, ["scan/"]],
  [14, ["state/"]],
  [15, ["config/"]],
  [16, ["sinks/"]],
  [17, ["net/"]],
  [18, ["shared/"]],
];

/** The "to" side of an allowlist entry for a file that itself has no tier (`src/run.ts -> (no tier)`). */
const NO_TIER = "(no tier)";

const scriptRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Where a src-relative path sits: its tier and its folder ("" for a root-level file). */
function place(srcPath) {
  const slash = srcPath.indexOf("/");
  const folder = slash < 0 ? "" : srcPath.slice(0, slash + 1);
  const key = slash < 0 ? srcPath : folder;
  for (const [tier, entries] of TIERS) {
    if (entries.includes(key)) return { tier, folder, name: folder === "" ? srcPath : folder };
  }
  return undefined;
}

function listTs(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(path));
    else if (entry.isFile() && entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

/** Every module specifier in a file with the position it starts at. */
function specifiers(sourceFile) {
  const found = [];
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push(node.moduleReference.expression);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0]);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** The src-relative .ts path a relative specifier names, or undefined outside src/. */
function target(fromSrcPath, spec) {
  const joined = posix.normalize(posix.join(posix.dirname(fromSrcPath), spec));
  if (joined.startsWith("../") || joined === "..") return undefined;
  return joined.replace(/\.(m?)js$/, ".$1ts");
}

function readAllowlist(file) {
  const entries = new Map();
  const problems = [];
  if (file === undefined) return { entries, problems };
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((raw, index) => {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") return;
    const match = /^(\S+)\s*->\s*(\S+|\(no tier\))$/.exec(line);
    if (!match) {
      problems.push(`${file}:${index + 1}: expected "src/a/x.ts -> src/b/y.ts", got "${line}"`);
      return;
    }
    entries.set(`${match[1]} -> ${match[2]}`, { line: index + 1, used: false });
  });
  return { entries, problems };
}

/** Checks a tree; returns the report lines split into failures and temporary violations. */
export function checkImports(root, allowFile) {
  const srcDir = join(root, "src");
  const failures = [];
  const temporary = [];
  const allow = readAllowlist(allowFile);
  failures.push(...allow.problems);
  const report = (key, line) => {
    const entry = allow.entries.get(key);
    if (entry) {
      entry.used = true;
      temporary.push(`temporary: ${line}`);
    } else failures.push(line);
  };

  for (const file of listTs(srcDir)) {
    const srcPath = relative(srcDir, file).split(sep).join("/");
    const from = place(srcPath);
    if (!from) {
      report(
        `src/${srcPath} -> ${NO_TIER}`,
        srcPath.includes("/")
          ? `src/${srcPath}: folder src/${srcPath.split("/")[0]}/ has no tier in scripts/check-imports.mjs`
          : `src/${srcPath}: a root-level file with no tier; it must live in a folder`,
      );
      continue;
    }
    const text = readFileSync(file, "utf8");
    const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    for (const literal of specifiers(sourceFile)) {
      const spec = literal.text;
      if (!spec.startsWith("./") && !spec.startsWith("../")) continue;
      const toPath = target(srcPath, spec);
      if (toPath === undefined) continue;
      const to = place(toPath);
      const line = sourceFile.getLineAndCharacterOfPosition(literal.getStart(sourceFile)).line + 1;
      const where = `src/${srcPath}:${line} imports src/${toPath}`;
      let why;
      if (!to) why = `src/${toPath} has no tier`;
      else if (to.tier < from.tier || (to.tier === from.tier && to.folder !== from.folder)) {
        why = `${from.name} (tier ${from.tier}) may not import ${to.name} (tier ${to.tier})`;
      }
      if (why !== undefined) report(`src/${srcPath} -> src/${toPath}`, `${where}: ${why}`);
    }
  }
  // An entry that matches nothing is stale: the violation is gone, so the entry must go too,
  // or it would silently allow the import back.
  for (const [key, entry] of allow.entries) {
    if (!entry.used)
      failures.push(`${allowFile}:${entry.line}: "${key}" is no longer a violation; remove it`);
  }
  return { failures, temporary };
}

function parseArgs(argv) {
  let root = scriptRoot;
  let allow;
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1];
    if (value === undefined) return undefined;
    if (argv[i] === "--root") root = resolve(value);
    else if (argv[i] === "--allow") allow = value;
    else return undefined;
  }
  if (allow === undefined) {
    const fallback = join(root, "scripts", "import-violations.allow");
    allow = existsSync(fallback) ? fallback : "none";
  }
  return { root, allow: allow === "none" ? undefined : allow };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  if (!args) {
    console.error("usage: node scripts/check-imports.mjs [--root DIR] [--allow FILE|none]");
    process.exitCode = 2;
  } else {
    const { failures, temporary } = checkImports(args.root, args.allow);
    for (const line of temporary) console.log(line);
    for (const line of failures) console.error(line);
    if (failures.length > 0) {
      console.error(
        `${failures.length} problem(s) with the import tiers (the list: TIERS in this script)`,
      );
      process.exitCode = 1;
    } else {
      console.log(`imports follow the tiers (${temporary.length} temporary, allowlisted)`);
    }
  }
}
