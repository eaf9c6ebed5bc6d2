// `npm run test:citus`: the scale-out suite against a real Citus cluster (see
// test/support/citusGlobalSetup.ts). Files share one distributed database: one at a time.
import { defineConfig } from "vitest/config";
import { redactError } from "./test/support/redactErrors.ts";

export default defineConfig({
  test: {
    include: ["test/citus/**/*.test.ts"],
    reporters: ["default", "./test/support/summaryReporter.ts"],
    globalSetup: ["test/support/citusGlobalSetup.ts"],
    setupFiles: ["test/support/setupFile.ts"],
    // An unhandled error fails the run, printed without the credentials pg may attach to it.
    onUnhandledError: (error) => void redactError(error),
    pool: "forks",
    env: { GRAPHILE_ENV: "test" },
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
