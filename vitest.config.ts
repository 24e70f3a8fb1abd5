import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests start real processes and wait on real signals.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
