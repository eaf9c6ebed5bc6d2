import { defineConfig } from "vitest/config";
import { redactError } from "./test/support/redactErrors.ts";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The scale-out suite needs Citus: `npm run test:citus` (vitest.citus.config.ts).
    exclude: ["test/citus/**", "**/node_modules/**"],
    reporters: ["default", "./test/support/summaryReporter.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    setupFiles: ["test/support/setupFile.ts"],
    // An unhandled error fails the run, printed without the credentials pg may attach to it.
    onUnhandledError: (error) => void redactError(error),
    pool: "forks",
    env: { GRAPHILE_ENV: "test" },
    maxWorkers: 2,
    // Generous: the suite must pass on a loaded machine (e.g. beside another npm test).
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
