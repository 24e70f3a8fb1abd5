import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        performance: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      // Only the CLI entry decides the exit code (src/exit-codes.ts); nothing else exits.
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "exit",
          message: "Set the outcome; src/cli.ts maps it to the exit code.",
        },
      ],
    },
  },
  {
    // The one place that ends the process: a daemon that gave up on a run must end at once.
    files: ["src/cli.ts"],
    rules: { "no-restricted-properties": "off" },
  },
);
