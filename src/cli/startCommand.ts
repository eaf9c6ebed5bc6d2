// `memvault start` (what `npm start` runs): the local cluster (unless DATABASE_URL is
// set), migrations, then the GraphQL API in this process and the worker in a child process,
// until SIGTERM/SIGINT. On the local cluster it creates what development needs and nothing
// more: a random keyring and a random JWT secret, each once, 0600, in MEMVAULT_HOME.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { SignJWT } from "jose";
import { startApiServer, type ApiServerOptions } from "../api/apiServer.ts";
import { createTokenVerifier } from "../api/verifyToken.ts";
import { rerankConfigState } from "../rerank/createRerankerFromConfig.ts";
import { createEmbedderFromConfig } from "../embed/createEmbedderFromConfig.ts";
import { modelFileIn } from "../embed/biEncoder.ts";
import { readApiConfig } from "../config/apiConfig.ts";
import { checkConfig } from "../config/checkConfig.ts";
import { rawValue } from "../config/settings.ts";
import { readTokenVerification, tokenVerificationConfigured } from "../config/apiTokenConfig.ts";
import { localJwtSecretFile, localKeyringFile, readDbConfig } from "../config/dbConfig.ts";
import { embedderConfigured, readEmbedConfig } from "../config/embedConfig.ts";
import { keyringConfigured, keyringSource } from "../config/keysConfig.ts";
import { readProcessConfig } from "../config/processConfig.ts";
import { readRerankConfig } from "../config/rerankConfig.ts";
import { newKeyringDocument } from "../crypto/keyring.ts";
import { resolveTarget } from "../db/databaseTarget.ts";
import { portIsFree, roleUrl } from "../db/localCluster.ts";
import { migrateDatabase } from "../db/migrateDatabase.ts";
import { logger } from "../logger.ts";
import { createKeyringProvider } from "../crypto/keyringProvider.ts";
import { CliError } from "./cliError.ts";
import { spawnWorkerProcess } from "./spawnWorker.ts";
import { acquireStartLock } from "./startLock.ts";

// Status goes through the one log format (pino JSON on stderr); only the development
// token and the command to paste are plain lines, for a person at a terminal.
const say = (line: string) => logger.info(line);
const tellPerson = (line: string) => process.stderr.write(`${line}\n`);

/**
 * On the local cluster with no embedder configured and none installed, the development
 * word-hash embedder, so that text-only memories work at once (not a semantic model).
 */
function wantsDevelopmentEmbedder(): boolean {
  if (embedderConfigured() || modelFileIn(readEmbedConfig().EMBEDDER_MODEL_DIR)) return false;
  say(`no embedding model at ${readEmbedConfig().EMBEDDER_MODEL_DIR}: using the development word-hash embedder (EMBEDDER_WORDHASH); for real use, bin/memvault model fetch --embedder (see docs) or set EMBEDDER_MODEL_DIR / EMBEDDER_URL`);
  return true;
}

/** The API's options from its settings (read once, here) and what development made. */
function apiOptionsFromConfig(api: ReturnType<typeof readApiConfig>, authenticatorUrl: string, dev: DevelopmentSetup): ApiServerOptions {
  const db = readDbConfig();
  const metricsHost = readProcessConfig().METRICS_HOST;
  return {
    port: api.API_PORT,
    host: api.API_HOST,
    authenticatorUrl,
    verifier: createTokenVerifier(dev.secret ? { kind: "secret", secret: dev.secret } : readTokenVerification()),
    keyrings: createKeyringProvider(dev.keyringFile ? { variable: "MEMVAULT_KEYRING_FILE", file: dev.keyringFile } : keyringSource()),
    limits: { dims: db.EMBEDDING_DIM, maxTextBytes: db.INGEST_MAX_TEXT_BYTES, maxMetaBytes: db.INGEST_MAX_META_BYTES },
    rerankBudgetMs: readRerankConfig().RERANK_BUDGET_MS,
    graphiql: dev.graphiql,
    rerankStatus: rerankConfigState,
    ...(api.API_METRICS_PORT > 0 ? { metrics: { port: api.API_METRICS_PORT, host: metricsHost } } : {}),
    createEmbedder: createEmbedderFromConfig,
    // GraphiQL needs introspection; otherwise it follows GRAPHQL_INTROSPECTION (default off).
    operationLimits: api.operationLimits(dev.graphiql || api.GRAPHQL_INTROSPECTION),
    maxBodyBytes: api.API_MAX_BODY_BYTES,
    corsAllowedOrigins: api.CORS_ALLOWED_ORIGINS,
    maxInflightPerTenant: api.API_MAX_INFLIGHT_PER_TENANT,
    requestTimeoutMs: api.API_REQUEST_TIMEOUT_MS,
    websocket: api.websocketLimits,
    logger,
  };
}

/** Writes a file once with mode 0600 from the first byte; returns its path. */
function ensureSecretFile(file: string, make: () => string, what: string): string {
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, make(), { mode: 0o600, flag: "wx" });
    say(`created a development ${what} at ${file} (random, mode 0600)`);
  }
  return file;
}

interface DevelopmentSetup {
  /** The keyring file npm start made (when none is configured). */
  keyringFile?: string;
  /** The JWT secret npm start made (when no verification is configured). */
  secret?: Uint8Array;
  graphiql: boolean;
}

/** On the local cluster in development: what is not configured is made, once, 0600. */
function developmentSetup(): DevelopmentSetup {
  const out: DevelopmentSetup = { graphiql: true };
  if (!keyringConfigured()) {
    out.keyringFile = ensureSecretFile(localKeyringFile(), () => JSON.stringify(newKeyringDocument(), null, 2) + "\n", "keyring");
  }
  if (!tokenVerificationConfigured()) {
    const file = ensureSecretFile(localJwtSecretFile(), () => randomBytes(32).toString("hex"), "JWT secret");
    out.secret = new TextEncoder().encode(fs.readFileSync(file, "utf8").trim());
  }
  // GraphiQL on unless GRAPHIQL says otherwise.
  if (rawValue(process.env, "GRAPHIQL") !== undefined) out.graphiql = readApiConfig().GRAPHIQL;
  // The API and the worker read it from the environment, as they would any setting.
  if (wantsDevelopmentEmbedder()) process.env.EMBEDDER_WORDHASH = "true";
  return out;
}

export async function startCommand(): Promise<void> {
  // Every setting the API and the worker read, checked together before anything is done.
  checkConfig(["process", "db", "api", "worker", "rerank", "embed", "search", "kek"]);
  const apiConfig = readApiConfig();
  const db = readDbConfig();
  // Checked before anything else: a second start must not migrate a live database.
  if (apiConfig.API_PORT !== 0 && !(await portIsFree(apiConfig.API_PORT, apiConfig.API_HOST))) {
    throw new CliError("ALREADY_RUNNING", `${apiConfig.API_HOST}:${apiConfig.API_PORT} is in use: is memvault already running? Stop it first, or set API_PORT`);
  }
  // The development fallbacks (a keyring and a JWT secret made here, GraphiQL on, a printed
  // token, the word-hash embedder) are for `npm start` on the local cluster in development
  // only. Anywhere else a missing keyring or token configuration stops the start at once,
  // naming the variable, before any cluster is made or migrated.
  if (!db.DATABASE_URL) acquireStartLock(readProcessConfig().MEMVAULT_HOME);
  const development = !db.DATABASE_URL && readProcessConfig().isDevelopment;
  if (!development) {
    keyringSource();
    readTokenVerification();
  }
  const target = await resolveTarget({ start: true, log: say });
  await migrateDatabase(target, say);
  say(`database ready (${target.cluster ? `local cluster on 127.0.0.1:${target.cluster.port}` : "the configured database"}, database ${target.databaseName})`);

  const dev: DevelopmentSetup = target.cluster && development ? developmentSetup() : { graphiql: apiConfig.GRAPHIQL };
  const workerUrl = db.WORKER_DATABASE_URL ?? (target.cluster ? roleUrl(target.cluster, "worker", target.databaseName) : undefined);
  const authenticatorUrl = db.AUTHENTICATOR_DATABASE_URL ?? (target.cluster ? roleUrl(target.cluster, "authenticator", target.databaseName) : undefined);
  if (!workerUrl || !authenticatorUrl) throw new CliError("USAGE", "WORKER_DATABASE_URL and AUTHENTICATOR_DATABASE_URL are required with DATABASE_URL");

  const api = await startApiServer(apiOptionsFromConfig(apiConfig, authenticatorUrl, dev));
  say(`GraphQL API at ${api.url}/graphql${dev.graphiql ? ` (GraphiQL at ${api.url}/)` : ""}${api.metricsUrl ? `; its metrics at ${api.metricsUrl}` : ""}`);
  if (dev.secret) {
    const token = await new SignJWT({ sub: "dev-user" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("24h").sign(dev.secret);
    tellPerson(`development token for user "dev-user" (24 h):\n${token}`);
    tellPerson(`more tokens: bin/memvault token --sub <user> [--ttl 3600]`);
    tellPerson(`try: curl -s ${api.url}/graphql -H 'authorization: Bearer ${token}' -H 'content-type: application/json' -d '{"query":"{ memories(first: 5) { nodes { id text } } }"}'`);
  }
  tellPerson(`DBA prompt: eval "$(bin/memvault db env)" && psql`);
  const worker = spawnWorkerProcess({
    WORKER_DATABASE_URL: workerUrl,
    ...(dev.keyringFile ? { MEMVAULT_KEYRING_FILE: dev.keyringFile } : {}),
  });
  say(`worker started in its own process (pid ${worker.pid}); Ctrl-C stops both (the cluster keeps running: bin/memvault db stop)`);
  try {
    await new Promise<void>((resolve, reject) => {
      const shutdown = () => void worker.stop().then(resolve, reject);
      process.once("SIGTERM", shutdown);
      process.once("SIGINT", shutdown);
      // A worker that dies takes the API down with it: a supervisor restarts both, rather than
      // an API that accepts memories nobody seals.
      void worker.exited.then((code) => (code === 0 ? resolve() : reject(new CliError("WORKER_EXITED", `the worker process exited with ${code ?? "a signal"}`))));
    });
  } finally {
    await api.stop();
  }
}
