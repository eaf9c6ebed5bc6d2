// What every memvault process reads: where its files live, its environment, its logs and
// where its metrics listen.
import path from "node:path";
import { filePath, oneOf, optionalPath, readSettings, rawValue, text, type Env } from "./settings.ts";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/** MEMVAULT_HOME, resolved: other settings' defaults live under it. */
export const homeDir = (env: Env) => path.resolve(rawValue(env, "MEMVAULT_HOME") ?? ".memvault");

export const PROCESS_SETTINGS = {
  MEMVAULT_HOME: filePath("Where the local cluster, its credentials and downloaded models live.", homeDir, "./.memvault"),
  GRAPHILE_ENV: text("development (npm start) or test relax what production requires (JWT_AUDIENCE, token minting, GraphiQL).", "production"),
  NODE_ENV: text("production here also makes the development helpers refuse to run.", undefined),
  LOG_LEVEL: oneOf<LogLevel>("pino log level.", ["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
  METRICS_HOST: text("The address every /metrics listener (worker and API) binds to.", "127.0.0.1"),
  MEMVAULT_SHARED_DIR: optionalPath("Optional extra benchmark data (testdata/dl19, testdata/locomo); unset, the benches generate their corpus."),
};

export const readProcessConfig = (env: Env = process.env) => {
  const c = readSettings(PROCESS_SETTINGS, env);
  const development = ["development", "test"].includes(c.GRAPHILE_ENV);
  return {
    ...c,
    /** GRAPHILE_ENV is development or test. */
    isDevelopment: development,
    /** GRAPHILE_ENV or NODE_ENV says production outright (development helpers refuse to run). */
    explicitlyProduction: rawValue(env, "GRAPHILE_ENV") === "production" || c.NODE_ENV === "production",
  };
};
