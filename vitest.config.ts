import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Fails the run if it left new multiprocessing semaphores, segments or temp dirs on the host.
    globalSetup: ["test/helpers/shm-leak-check.ts"],
    // Integration tests start real processes and wait on real signals. These are hang guards, not
    // speed checks (speed lives in bench/): the suite must pass on a saturated host, where a test
    // that runs the agent five times took over 30 s with 10,000 processes and CPU hogs running.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
