// Benchmarks: `npm run bench` (all) or `npm run bench -- step-time`. Not part of `npm test`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["bench/**/*.test.ts"],
    testTimeout: 600_000,
    pool: "forks",
    // Print each benchmark's table as it is produced.
    silent: false,
  },
});
