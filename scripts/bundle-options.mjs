// esbuild options of the CLI bundle, shared by scripts/build.mjs and the tests that bundle a
// sink the way the CLI runs it (test/integration/sinks.test.ts).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * Packages the CLI imports only when it needs them (`await import(…)` in a sink) are bundled
 * from their CommonJS build. Bundled, a CommonJS module runs, and requires Node's built-ins,
 * only when first imported. An ES module build's imports of built-ins are hoisted to the top
 * of the bundle instead, so they load on every run. Measured here (Node 20): with nodemailer's
 * ES build bundled, `cleanup --dry-run` peaked at 58 MiB and `--version` at 55 MiB, sending
 * mail or not; with its CommonJS build, 54 and 51 MiB, and loading it costs 7.2 MiB only in a
 * run that sends. pino is CommonJS already.
 */
// node-cron (daemon mode only): its ES build hoisted child_process, events, path and url into
// every run, 54.6 MiB for --version instead of 51.3.
const COMMONJS_BUILD = ["nodemailer", "node-cron"];

const commonJsBuild = {
  name: "commonjs-build",
  setup(build) {
    const filter = new RegExp(`^(${COMMONJS_BUILD.join("|")})$`);
    build.onResolve({ filter }, (args) => ({ path: require.resolve(args.path) }));
  },
};

/** Everything but entry points and output. */
export const bundleOptions = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [commonJsBuild],
  // Bundled CommonJS dependencies may call require() for Node built-ins,
  // and some (node-cron) read __filename, which an ES module lacks: the bundle's own path. node-cron
  // uses it only to fork a helper for tasks given as files, which cleanup never schedules.
  banner: {
    js: [
      "import { createRequire } from 'node:module';",
      "import { fileURLToPath as __bundleFileURLToPath } from 'node:url';",
      "const require = createRequire(import.meta.url);",
      "const __filename = __bundleFileURLToPath(import.meta.url);",
      "const __dirname = __bundleFileURLToPath(new URL('.', import.meta.url));",
    ].join(" "),
  },
  logLevel: "warning",
};
