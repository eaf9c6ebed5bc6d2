// `memvault start` (what `npm start` runs): the local cluster (unless DATABASE_URL is
// set), migrations, then the GraphQL API in this process and the worker in a child process,
// until SIGTERM/SIGINT. On the local cluster it creates what development needs and nothing
// more: a random keyring and a random JWT secret, each once, 0600, in MEMVAULT_HOME.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { SignJWT } from "jose";
import { startApiServer } from "../api/apiServer.ts";
import { createTokenVerifier } from "../api/verifyToken.ts";
import { rerankConfigState } from "../rerank/createRerankerFromConfig.ts";
import { createEmbedderFromConfig } from "../embed/createEmbedderFromConfig.ts";
import { modelFileIn } from "../embed/biEncoder.ts";
import { config } from "../config.ts";
import { newKeyringDocument } from "../crypto/keyring.ts";
import { resolveTarget } from "../db/databaseTarget.ts";
import { portIsFree, roleUrl } from "../db/localCluster.ts";
import { migrateDatabase } from "../db/migrateDatabase.ts";
import { logger } from "../logger.ts";
import { createKeyringProvider } from "../crypto/keyringProvider.ts";
import { CliError } from "./cliError.ts";
import { spawnWorkerProcess } from "./spawnWorker.ts";

// Status goes through the one log format (pino JSON on stderr); only the development
// token and the command to paste are plain lines, for a person at a terminal.
const say = (line: string) => logger.info(line);
const tellPerson = (line: string) => process.stderr.write(`${line}\n`);

/**
 * On the local cluster with no embedder configured and none installed, the development
 * word-hash embedder, so that text-only memories work at once (not a semantic model).
 */
function wantsDevelopmentEmbedder(): boolean {
  if (config.embedderConfigured() || modelFileIn(config.embedderModelDir())) return false;
  say(`no embedding model at ${config.embedderModelDir()}: using the development word-hash embedder (EMBEDDER_WORDHASH); for real use, bin/memvault model fetch --embedder (see docs) or set EMBEDDER_MODEL_DIR / EMBEDDER_URL`);
  return true;
}

/** Writes a file once with mode 0600 from the first byte; returns its path. */
function ensureSecretFile(file: string, make: () => string, what: string): string {
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, make(), { mode: 0o600, flag: "wx" });
    say(`created a development ${what} at ${file} (random, mode 0600)`);
  }
  return file;
}

export async function startCommand(): Promise<void> {
  // Checked before anything else: a second start must not migrate a live database.
  if (config.apiPort() !== 0 && !(await portIsFree(config.apiPort(), config.apiHost()))) {
    throw new CliError("ALREADY_RUNNING", `${config.apiHost()}:${config.apiPort()} is in use: is memvault already running? Stop it first, or set API_PORT`);
  }
  // The development fallbacks (a keyring and a JWT secret made here, GraphiQL on, a printed
  // token, the word-hash embedder) are for `npm start` on the local cluster in development
  // only. Anywhere else a missing keyring or token configuration stops the start at once,
  // naming the variable, before any cluster is made or migrated.
  const development = !config.ownerDatabaseUrl() && config.isDevelopment();
  if (!development) {
    config.keyringSource();
    config.jwtVerification();
  }
  const target = await resolveTarget({ start: true, log: say });
  await migrateDatabase(target, say);
  const where = target.cluster ? `local cluster on 127.0.0.1:${target.cluster.port}` : "the configured database";
  say(`database ready (${where}, database ${target.databaseName})`);

  let workerUrl = config.workerDatabaseUrl();
  let authenticatorUrl = config.authenticatorDatabaseUrl();
  let keyringFile: string | undefined;
  let devSecret: Uint8Array | undefined;
  let graphiql = config.graphiql();
  if (target.cluster && development) {
    if (!config.keyringConfigured()) {
      keyringFile = ensureSecretFile(config.localKeyringFile(), () => JSON.stringify(newKeyringDocument(), null, 2) + "\n", "keyring");
    }
    if (!config.jwtConfigured()) {
      const file = ensureSecretFile(config.localJwtSecretFile(), () => randomBytes(32).toString("hex"), "JWT secret");
      devSecret = new TextEncoder().encode(fs.readFileSync(file, "utf8").trim());
    }
    if (!config.graphiqlConfigured()) graphiql = true;
  }
  if (target.cluster) {
    workerUrl ??= roleUrl(target.cluster, "worker", target.databaseName);
    authenticatorUrl ??= roleUrl(target.cluster, "authenticator", target.databaseName);
  }
  if (!workerUrl || !authenticatorUrl) throw new Error("WORKER_DATABASE_URL and AUTHENTICATOR_DATABASE_URL are required with DATABASE_URL");
  const keyringSource = keyringFile ? { variable: "MEMVAULT_KEYRING_FILE", file: keyringFile } : config.keyringSource();
  const devEmbedder = target.cluster && development && wantsDevelopmentEmbedder();
  // The API and the worker read it from the environment, as they would any setting.
  if (devEmbedder) process.env.EMBEDDER_WORDHASH = "true";

  const api = await startApiServer({
    port: config.apiPort(),
    host: config.apiHost(),
    authenticatorUrl,
    verifier: createTokenVerifier(devSecret ? { kind: "secret", secret: devSecret } : config.jwtVerification()),
    keyrings: createKeyringProvider(keyringSource),
    limits: { dims: config.embeddingDim(), maxTextBytes: config.ingestMaxTextBytes(), maxMetaBytes: config.ingestMaxMetaBytes() },
    rerankBudgetMs: config.rerankBudgetMs(),
    graphiql,
    rerankStatus: rerankConfigState,
    ...(config.apiMetricsPort() > 0 ? { metrics: { port: config.apiMetricsPort(), host: config.metricsHost() } } : {}),
    createEmbedder: createEmbedderFromConfig,
    // GraphiQL needs introspection; otherwise it follows GRAPHQL_INTROSPECTION (default off).
    operationLimits: config.operationLimits(graphiql || config.graphqlIntrospection()),
    maxBodyBytes: config.apiMaxBodyBytes(),
    corsAllowedOrigins: config.corsAllowedOrigins(),
    maxInflightPerTenant: config.apiMaxInflightPerTenant(),
    requestTimeoutMs: config.apiRequestTimeoutMs(),
    websocket: config.websocketLimits(),
    logger,
  });
  say(`GraphQL API at ${api.url}/graphql${graphiql ? ` (GraphiQL at ${api.url}/)` : ""}${api.metricsUrl ? `; its metrics at ${api.metricsUrl}` : ""}`);
  if (devSecret) {
    const token = await new SignJWT({ sub: "dev-user" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("24h").sign(devSecret);
    tellPerson(`development token for user "dev-user" (24 h):\n${token}`);
    tellPerson(`more tokens: bin/memvault token --sub <user> [--ttl 3600]`);
    tellPerson(`try: curl -s ${api.url}/graphql -H 'authorization: Bearer ${token}' -H 'content-type: application/json' -d '{"query":"{ memories(first: 5) { nodes { id text } } }"}'`);
  }
  tellPerson(`DBA prompt: eval "$(bin/memvault db env)" && psql`);
  const worker = spawnWorkerProcess({
    WORKER_DATABASE_URL: workerUrl,
    ...(keyringFile ? { MEMVAULT_KEYRING_FILE: keyringFile } : {}),
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
