// Every subsystem's settings, read together at a process's start: a misconfigured process
// stops before it does anything, with every problem listed, each naming its variable.
import { readApiConfig } from "./apiConfig.ts";
import { API_TOKEN_SETTINGS } from "./apiTokenConfig.ts";
import { ConfigError, type ConfigProblem } from "./configError.ts";
import { readDbConfig } from "./dbConfig.ts";
import { readEmbedConfig } from "./embedConfig.ts";
import { KEYS_SETTINGS } from "./keysConfig.ts";
import { readProcessConfig } from "./processConfig.ts";
import { readRerankConfig } from "./rerankConfig.ts";
import { readSettings, type Env } from "./settings.ts";
import { readSearchConfig } from "./searchConfig.ts";
import { readKekConfig } from "./kekConfig.ts";
import { readWorkerConfig } from "./workerConfig.ts";

const SUBSYSTEMS = {
  process: readProcessConfig,
  db: readDbConfig,
  keys: (env: Env) => readSettings(KEYS_SETTINGS, env),
  kek: readKekConfig,
  api: readApiConfig,
  apiToken: (env: Env) => readSettings(API_TOKEN_SETTINGS, env),
  worker: readWorkerConfig,
  rerank: readRerankConfig,
  embed: readEmbedConfig,
  search: readSearchConfig,
};
export type Subsystem = keyof typeof SUBSYSTEMS;

export function checkConfig(subsystems: readonly Subsystem[], env: Env = process.env): void {
  const problems: ConfigProblem[] = [];
  for (const name of subsystems) {
    try {
      SUBSYSTEMS[name](env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length) throw ConfigError.of(problems);
}
