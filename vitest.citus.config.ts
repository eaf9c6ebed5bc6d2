// `npm run test:citus`: the scale-out suite against a real Citus cluster (see
// test/support/citusGlobalSetup.ts). Files share one distributed database: one at a time.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/citus/**/*.test.ts"],
    reporters: ["default", "./test/support/summaryReporter.ts"],
    globalSetup: ["test/support/citusGlobalSetup.ts"],
    setupFiles: ["test/support/setupFile.ts"],
    pool: "forks",
    env: { GRAPHILE_ENV: "test" },
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
