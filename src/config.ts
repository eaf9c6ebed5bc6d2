// The one place that reads process.env. Each getter validates its variable and fails
// fast, naming it; values are read lazily so a command only needs the variables it uses.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** How API tokens are verified (see config.jwtVerification). */
export type VerificationConfig = (
  | { kind: "secret"; secret: Uint8Array }
  | { kind: "jwks-url"; url: string }
  | { kind: "jwks-file"; file: string }
) & { issuer?: string; audience?: string; maxLifetimeSeconds?: number };

export class ConfigError extends Error {
  readonly code = "MEMVAULT_CONFIG";
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

function raw(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function intVar(name: string, fallback: number, min: number, max: number): number {
  const value = raw(name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got '${value}'`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function boolVar(name: string, fallback: boolean): boolean {
  const value = raw(name);
  if (value === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(name, `must be true or false, got '${value}'`);
}

function urlVar(name: string): string | undefined {
  const value = raw(name);
  if (value === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(value)) {
    // Never echo the value: it may carry a password.
    throw new ConfigError(name, "must be a postgres:// connection URL");
  }
  return value;
}

const PG_ROOT = "/usr/lib/postgresql";

/** Majors under /usr/lib/postgresql with a server (postgres and initdb), oldest first. */
function installedPgMajors(): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(PG_ROOT);
  } catch {
    return [];
  }
  const isServer = (major: string) => ["postgres", "initdb"].every((b) => fs.existsSync(path.join(PG_ROOT, major, "bin", b)));
  return entries.filter((e) => /^\d+$/.test(e) && isServer(e)).map(Number).sort((a, b) => a - b);
}

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export const config = {
  /** DATABASE_URL: the schema owner's connection (migrations only). Unset: the local cluster. */
  ownerDatabaseUrl: (): string | undefined => urlVar("DATABASE_URL"),
  /** ROOT_DATABASE_URL: a superuser connection to a maintenance database (roles, extension, create database). */
  rootDatabaseUrl: (): string | undefined => urlVar("ROOT_DATABASE_URL"),
  /** SHADOW_DATABASE_URL: graphile-migrate's shadow database, used by `graphile-migrate commit`. */
  shadowDatabaseUrl: (): string | undefined => urlVar("SHADOW_DATABASE_URL"),
  /** MEMVAULT_HOME: where the local cluster and its credentials live. Default: ./.memvault */
  home: (): string => path.resolve(raw("MEMVAULT_HOME") ?? ".memvault"),
  /** MEMVAULT_DB_NAME: the application database of the local cluster. Default: memvault */
  databaseName: (): string => {
    const name = raw("MEMVAULT_DB_NAME") ?? "memvault";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new ConfigError("MEMVAULT_DB_NAME", "must be a lowercase SQL identifier");
    return name;
  },
  /**
   * MEMVAULT_PG_BIN: PostgreSQL server binaries. Else MEMVAULT_PG_MAJOR (/usr/lib/postgresql/N/bin),
   * else the newest server installed there: the rule scripts/pg-major.sh provisions by.
   */
  pgBin: (): string => {
    const bin = raw("MEMVAULT_PG_BIN");
    if (bin !== undefined) return path.resolve(bin);
    if (raw("MEMVAULT_PG_MAJOR") !== undefined) return path.join(PG_ROOT, String(intVar("MEMVAULT_PG_MAJOR", 0, 15, 99)), "bin");
    const newest = installedPgMajors().at(-1);
    if (newest === undefined) {
      throw new ConfigError("MEMVAULT_PG_BIN", `is not set and no PostgreSQL server is installed under ${PG_ROOT}: run \`npm run provision\`, or set it to a server's bin directory`);
    }
    return path.join(PG_ROOT, String(newest), "bin");
  },
  /**
   * MEMVAULT_KEYRING (the keyring JSON) or MEMVAULT_KEYRING_FILE (a 0600 file holding it).
   * No default: without a keyring nothing that seals or hashes starts.
   */
  keyringSource: (): { variable: string; text: string } | { variable: string; file: string } => {
    const inline = raw("MEMVAULT_KEYRING");
    const file = raw("MEMVAULT_KEYRING_FILE");
    if (inline && file) throw new ConfigError("MEMVAULT_KEYRING", "and MEMVAULT_KEYRING_FILE are both set: set one");
    if (inline) return { variable: "MEMVAULT_KEYRING", text: inline };
    if (file) return { variable: "MEMVAULT_KEYRING_FILE", file: path.resolve(file) };
    throw new ConfigError(
      "MEMVAULT_KEYRING",
      "is not set (nor MEMVAULT_KEYRING_FILE): memvault has no default key; create a keyring with `memvault keys generate --keyring`",
    );
  },
  /** INGEST_MAX_TEXT_BYTES: chunk_ingest CHECK limit, baked in when the ingest migration runs. Default 65536. */
  ingestMaxTextBytes: (): number => intVar("INGEST_MAX_TEXT_BYTES", 65_536, 1, 1_048_576),
  /** INGEST_MAX_META_BYTES: likewise for meta (jsonb as text). Default 16384. */
  ingestMaxMetaBytes: (): number => intVar("INGEST_MAX_META_BYTES", 16_384, 2, 1_048_576),
  /** OPERATOR_DATABASE_URL: memvault_operator's (or a superuser's) connection, for `memvault rollout`. Unset: the local cluster's operator login. */
  operatorDatabaseUrl: (): string | undefined => urlVar("OPERATOR_DATABASE_URL"),
  /** WORKER_DATABASE_URL: memvault_worker's connection. Unset: the local cluster's worker login. */
  workerDatabaseUrl: (): string | undefined => urlVar("WORKER_DATABASE_URL"),
  /** WORKER_CONCURRENCY: jobs run at once per worker process. Default 2 (one per core here). */
  /** MEMVAULT_PARENT_PID: set by `memvault start` for its worker, which stops when that process is gone. Unset: not supervised. */
  workerParentPid: (): number | undefined => (raw("MEMVAULT_PARENT_PID") === undefined ? undefined : intVar("MEMVAULT_PARENT_PID", 0, 1, 4_194_304)),
  workerConcurrency: (): number => intVar("WORKER_CONCURRENCY", 2, 1, 64),
  /** WORKER_DEAD_AFTER_SECONDS: a worker whose heartbeat is this old is dead and its jobs are unlocked. Default 30. */
  workerDeadAfterSeconds: (): number => intVar("WORKER_DEAD_AFTER_SECONDS", 30, 1, 86_400),
  /** SEAL_BATCH_SIZE: ingest rows a seal_batch or reseal_chunks job claims per transaction. Default 500. */
  sealBatchSize: (): number => intVar("SEAL_BATCH_SIZE", 500, 1, 10_000),
  /** METRICS_PORT: Prometheus /metrics on 127.0.0.1 (METRICS_HOST to change). 0 turns it off. Default 9464. */
  metricsPort: (): number => intVar("METRICS_PORT", 9464, 0, 65_535),
  /** API_METRICS_PORT: the API's Prometheus /metrics, on a listener of its own (METRICS_HOST), never the API port. 0 turns it off. Default 9465. */
  apiMetricsPort: (): number => intVar("API_METRICS_PORT", 9465, 0, 65_535),
  /** METRICS_HOST: the address /metrics listens on (worker and API). Default 127.0.0.1. */
  metricsHost: (): string => raw("METRICS_HOST") ?? "127.0.0.1",
  /** LOG_LEVEL: pino level. Default info. */
  logLevel: (): LogLevel => {
    const value = (raw("LOG_LEVEL") ?? "info") as LogLevel;
    if (!LOG_LEVELS.includes(value)) throw new ConfigError("LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}`);
    return value;
  },
  /** MEMVAULT_SHARED_DIR: optional extra bench data (testdata/dl19). Unset: the benches generate their corpus. */
  sharedDir: (): string | undefined => {
    const value = raw("MEMVAULT_SHARED_DIR");
    return value === undefined ? undefined : path.resolve(value);
  },
  /** RERANK_ENABLED: false turns cross-encoder scoring off (callers get ANN order, reason "disabled"). Default true. */
  rerankEnabled: (): boolean => boolVar("RERANK_ENABLED", true),
  /** RERANK_MODEL_DIR: model.onnx + tokenizer.json (Hugging Face / Optimum layout). Default: MEMVAULT_HOME/models/ms-marco-TinyBERT-L2-v2 */
  rerankModelDir: (): string => path.resolve(raw("RERANK_MODEL_DIR") ?? path.join(config.home(), "models", "ms-marco-TinyBERT-L2-v2")),
  /**
   * RERANK_MODEL_FILE: the ONNX file in RERANK_MODEL_DIR to run: model.onnx (fp32, the default), an
   * int8 export such as onnx/model_qint8_avx512_vnni.onnx, or auto (the best int8 export present for
   * this CPU). An export for instructions the CPU lacks, or a missing one, falls back to model.onnx
   * with a warning.
   */
  rerankModelFile: (): string => {
    const value = raw("RERANK_MODEL_FILE") ?? "model.onnx";
    if (value !== "auto" && (!/^[A-Za-z0-9_][A-Za-z0-9_.\/-]*\.onnx$/.test(value) || value.split("/").includes(".."))) {
      throw new ConfigError("RERANK_MODEL_FILE", "must be auto or a .onnx file inside RERANK_MODEL_DIR (a relative path)");
    }
    return value;
  },
  /**
   * RERANK_REMOTE_ALLOWED_URLS: comma-separated http(s) URLs under which a rollout variant's
   * remote scorer may be (same origin, path at or below). Default none: variants must be local
   * models. Read by the worker, never from the database.
   */
  rerankRemoteAllowedUrls: (): string[] => {
    const value = raw("RERANK_REMOTE_ALLOWED_URLS");
    if (value === undefined) return [];
    return value.split(",").map((u) => u.trim()).filter(Boolean).map((u) => {
      if (!/^https?:\/\/[^/]/.test(u) || !URL.canParse(u)) throw new ConfigError("RERANK_REMOTE_ALLOWED_URLS", `'${u.slice(0, 100)}' is not an http(s) URL`);
      return u;
    });
  },
  /** RERANK_URL: a text-embeddings-inference server (/rerank); when set it scores instead of the local model. */
  rerankUrl: (): string | undefined => {
    const value = raw("RERANK_URL");
    if (value !== undefined && !/^https?:\/\//.test(value)) throw new ConfigError("RERANK_URL", "must be an http(s) URL");
    return value;
  },
  /** RERANK_DEVICE: cpu, or cuda (ONNX Runtime's CUDA provider; falls back to CPU with a warning). Default cpu. */
  rerankDevice: (): "cpu" | "cuda" => {
    const value = raw("RERANK_DEVICE") ?? "cpu";
    if (value !== "cpu" && value !== "cuda") throw new ConfigError("RERANK_DEVICE", "must be cpu or cuda");
    return value;
  },
  /** RERANK_THREADS: ONNX Runtime intra-op threads. Default: the machine's cores, at most 4 (one request's latency is what callers wait on). */
  rerankThreads: (): number => intVar("RERANK_THREADS", Math.min(4, os.availableParallelism()), 1, 64),
  /** RERANK_BATCH_SIZE: pairs per inference call, sorted by length so each batch pads to its own longest. Default 8 (bench:rerank: 24 DL19 pairs score in 14.8 ms at 8, 21.5 at 32, the padding). */
  rerankBatchSize: (): number => intVar("RERANK_BATCH_SIZE", 8, 1, 1024),
  /** RERANK_MAX_LENGTH: tokens per (query, text) pair; the text is truncated. Default 256. */
  rerankMaxLength: (): number => intVar("RERANK_MAX_LENGTH", 256, 16, 512),
  /** RERANK_BUDGET_MS: per-request scoring budget; past it the caller gets ANN order. Default 250. */
  rerankBudgetMs: (): number => intVar("RERANK_BUDGET_MS", 250, 1, 60_000),
  /** RERANK_BREAKER_FAILURES / _WINDOW_MS / _COOLDOWN_MS: open after N failures within the window; probe after the cooldown. Defaults 5, 30000, 10000. */
  rerankBreaker: () => ({
    failures: intVar("RERANK_BREAKER_FAILURES", 5, 1, 1_000),
    windowMs: intVar("RERANK_BREAKER_WINDOW_MS", 30_000, 100, 3_600_000),
    cooldownMs: intVar("RERANK_BREAKER_COOLDOWN_MS", 10_000, 10, 3_600_000),
  }),
  /** RERANK_RETENTION_SECONDS: search requests older than this are deleted. Default 3600. */
  rerankRetentionSeconds: (): number => intVar("RERANK_RETENTION_SECONDS", 3_600, 1, 30 * 86_400),
  /** WORKER_TASKS: comma-separated task identifiers this worker runs (e.g. rerank_search alone, for latency). Default: all. */
  workerTasks: (): string[] | undefined => raw("WORKER_TASKS")?.split(",").map((t) => t.trim()).filter(Boolean),
  /**
   * How API tokens are verified: JWT_SECRET (HS256, at least 32 bytes), or JWT_JWKS_URL /
   * JWT_JWKS_FILE (RS256 / ES256). Exactly one. JWT_ISSUER is checked when set; JWT_AUDIENCE
   * is required outside development. JWT_MAX_LIFETIME_SECONDS (default 86400): tokens
   * expiring further ahead are refused.
   */
  jwtVerification: (): VerificationConfig => {
    const secret = raw("JWT_SECRET");
    const url = raw("JWT_JWKS_URL");
    const file = raw("JWT_JWKS_FILE");
    const set = [secret, url, file].filter((v) => v !== undefined).length;
    if (set !== 1) throw new ConfigError("JWT_SECRET", "set exactly one of JWT_SECRET, JWT_JWKS_URL, JWT_JWKS_FILE");
    // Outside development a token must name this API as its audience: otherwise a token
    // the same issuer minted for another service would be accepted here.
    if (raw("JWT_AUDIENCE") === undefined && !config.isDevelopment()) {
      throw new ConfigError("JWT_AUDIENCE", "is required outside development (GRAPHILE_ENV=development or test)");
    }
    const claims = {
      ...(raw("JWT_ISSUER") ? { issuer: raw("JWT_ISSUER")! } : {}),
      ...(raw("JWT_AUDIENCE") ? { audience: raw("JWT_AUDIENCE")! } : {}),
      maxLifetimeSeconds: intVar("JWT_MAX_LIFETIME_SECONDS", 86_400, 60, 30 * 86_400),
    };
    if (secret !== undefined) {
      if (Buffer.byteLength(secret) < 32) throw new ConfigError("JWT_SECRET", "must be at least 32 bytes");
      return { kind: "secret", secret: new TextEncoder().encode(secret), ...claims };
    }
    if (url !== undefined) {
      if (!/^https?:\/\//.test(url)) throw new ConfigError("JWT_JWKS_URL", "must be an http(s) URL");
      return { kind: "jwks-url", url, ...claims };
    }
    return { kind: "jwks-file", file: path.resolve(file!), ...claims };
  },
  /** GRAPHILE_ENV: development (npm start) or test relax what production requires (JWT_AUDIENCE, token minting). Default production. */
  environment: (): string => raw("GRAPHILE_ENV") ?? "production",
  isDevelopment: (): boolean => ["development", "test"].includes(config.environment()),
  /** The development keyring `npm start` creates on the local cluster (used when no keyring is configured). */
  localKeyringFile: (): string => path.join(config.home(), "keyring.json"),
  /** MEMVAULT_BACKUP_DIR: where `memvault deploy` writes and finds backups. Default MEMVAULT_HOME/backups. */
  backupDir: (): string => path.resolve(raw("MEMVAULT_BACKUP_DIR") ?? path.join(config.home(), "backups")),
  /** DEPLOY_BACKUP_MAX_AGE_HOURS: `deploy check` fails without a backup this fresh. Default 24. */
  deployBackupMaxAgeHours: (): number => intVar("DEPLOY_BACKUP_MAX_AGE_HOURS", 24, 1, 24 * 365),
  /** DEPLOY_RESTORE_JOBS: pg_restore --jobs for `deploy rollback --from-backup`. Default: the cores, at most 8. */
  deployRestoreJobs: (): number => intVar("DEPLOY_RESTORE_JOBS", Math.min(8, os.availableParallelism()), 1, 64),
  /** The development JWT secret `npm start` creates on the local cluster. */
  localJwtSecretFile: (): string => path.join(config.home(), "jwt-secret"),
  /** GRAPHILE_ENV or NODE_ENV says production outright (development helpers refuse to run). */
  explicitlyProduction: (): boolean => raw("GRAPHILE_ENV") === "production" || raw("NODE_ENV") === "production",
  /** Whether any keyring, JWT or GRAPHIQL setting is present (npm start fills in development defaults only where none is). */
  keyringConfigured: (): boolean => raw("MEMVAULT_KEYRING") !== undefined || raw("MEMVAULT_KEYRING_FILE") !== undefined,
  jwtConfigured: (): boolean => ["JWT_SECRET", "JWT_JWKS_URL", "JWT_JWKS_FILE"].some((v) => raw(v) !== undefined),
  graphiqlConfigured: (): boolean => raw("GRAPHIQL") !== undefined,
  embedderConfigured: (): boolean => ["EMBEDDER_MODEL_DIR", "EMBEDDER_URL", "EMBEDDER_WORDHASH"].some((v) => raw(v) !== undefined),
  /** API_PORT / API_HOST: where the GraphQL API listens. Defaults 4000, 127.0.0.1. */
  apiPort: (): number => intVar("API_PORT", 4000, 0, 65_535),
  apiHost: (): string => raw("API_HOST") ?? "127.0.0.1",
  /** API_MAX_INFLIGHT_PER_TENANT: requests one tenant may have in flight at once (429 RATE_LIMITED, rateClass in_flight, past it). Default 16. */
  apiMaxInflightPerTenant: (): number => intVar("API_MAX_INFLIGHT_PER_TENANT", 16, 1, 10_000),
  /** API_REQUEST_TIMEOUT_MS: how long a request's headers and body may take to arrive (408 past it). Default 15000. */
  apiRequestTimeoutMs: (): number => intVar("API_REQUEST_TIMEOUT_MS", 15_000, 1_000, 600_000),
  /**
   * CORS_ALLOWED_ORIGINS: comma-separated origins (scheme://host[:port]) whose browser
   * applications may call the API. Default: none.
   */
  corsAllowedOrigins: (): string[] => {
    const value = raw("CORS_ALLOWED_ORIGINS");
    if (value === undefined) return [];
    return value.split(",").map((o) => o.trim()).filter(Boolean).map((origin) => {
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        throw new ConfigError("CORS_ALLOWED_ORIGINS", `'${origin.slice(0, 100)}' is not an origin (scheme://host[:port])`);
      }
      if (!/^https?:$/.test(url.protocol) || url.origin !== origin) {
        throw new ConfigError("CORS_ALLOWED_ORIGINS", `'${origin.slice(0, 100)}' is not an origin (scheme://host[:port], no path, no trailing slash)`);
      }
      return origin;
    });
  },
  /** AUTHENTICATOR_DATABASE_URL: memvault_authenticator's connection. Unset: the local cluster's. */
  authenticatorDatabaseUrl: (): string | undefined => urlVar("AUTHENTICATOR_DATABASE_URL"),
  /** GRAPHIQL: serve Ruru (GraphiQL) at /. Default false; `npm start` turns it on for local development. */
  graphiql: (): boolean => boolVar("GRAPHIQL", false),
  /**
   * What one GraphQL operation may ask for (checked before parsing, validation and
   * planning, on HTTP and websockets). GRAPHQL_MAX_QUERY_BYTES (100000), GRAPHQL_MAX_TOKENS
   * (10000), GRAPHQL_MAX_NESTING (brackets, 32), GRAPHQL_MAX_DEPTH (selection depth, 8),
   * GRAPHQL_MAX_FIELDS (field selections, fragments counted each time they are spread,
   * 200); per operation, across aliases and fragments: GRAPHQL_MAX_WRITES (memories
   * written, 100), GRAPHQL_MAX_SEARCHES (10), GRAPHQL_MAX_RERANKS (searches with a query,
   * 2), GRAPHQL_MAX_READS (memories returned, 500).
   */
  operationLimits: (introspection: boolean) => ({
    maxQueryBytes: intVar("GRAPHQL_MAX_QUERY_BYTES", 100_000, 100, 10_000_000),
    maxTokens: intVar("GRAPHQL_MAX_TOKENS", 10_000, 100, 1_000_000),
    maxNesting: intVar("GRAPHQL_MAX_NESTING", 32, 4, 256),
    maxDepth: intVar("GRAPHQL_MAX_DEPTH", 8, 1, 100),
    maxFields: intVar("GRAPHQL_MAX_FIELDS", 200, 1, 100_000),
    introspection,
    maxCost: {
      writes: intVar("GRAPHQL_MAX_WRITES", 100, 1, 100_000),
      searches: intVar("GRAPHQL_MAX_SEARCHES", 10, 1, 10_000),
      reranks: intVar("GRAPHQL_MAX_RERANKS", 2, 0, 10_000),
      reads: intVar("GRAPHQL_MAX_READS", 500, 1, 1_000_000),
      subscriptions: 1,
    },
  }),
  /** GRAPHQL_INTROSPECTION: allow __schema / __type. Default false; on whenever GraphiQL is (npm start). */
  graphqlIntrospection: (): boolean => boolVar("GRAPHQL_INTROSPECTION", false),
  /** API_MAX_BODY_BYTES: largest HTTP request body. Default 10000000 (a full rememberMany: 100 x 64 KiB text, meta, a vector). */
  apiMaxBodyBytes: (): number => intVar("API_MAX_BODY_BYTES", 10_000_000, 1_000, 100_000_000),
  /**
   * Websockets: WS_MAX_MESSAGE_BYTES (largest message, 1048576), WS_INIT_TIMEOUT_MS (a
   * socket without a valid connection_init by then is closed, 3000),
   * WS_MAX_OPERATIONS_PER_TENANT (open subscriptions and operations per user, 10).
   */
  websocketLimits: () => ({
    maxMessageBytes: intVar("WS_MAX_MESSAGE_BYTES", 1_048_576, 1_024, 100_000_000),
    initTimeoutMs: intVar("WS_INIT_TIMEOUT_MS", 3_000, 100, 60_000),
    maxOperationsPerTenant: intVar("WS_MAX_OPERATIONS_PER_TENANT", 10, 1, 10_000),
  }),
  /**
   * Per-tenant rate limits, each in fixed one-minute windows per API process (see README,
   * "Rate limits"): RATE_LIMIT_WRITES_PER_MINUTE (memories written, 3000),
   * RATE_LIMIT_SEARCHES_PER_MINUTE (1200), RATE_LIMIT_RERANKS_PER_MINUTE (searches with a
   * query, 240), RATE_LIMIT_READS_PER_MINUTE (memories read by id or page, 30000),
   * RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE (subscriptions and event streams opened, 120).
   * 0 turns a class off.
   */
  tenantRateLimits: () => ({
    writes: intVar("RATE_LIMIT_WRITES_PER_MINUTE", 3_000, 0, 10_000_000),
    searches: intVar("RATE_LIMIT_SEARCHES_PER_MINUTE", 1_200, 0, 10_000_000),
    reranks: intVar("RATE_LIMIT_RERANKS_PER_MINUTE", 240, 0, 10_000_000),
    reads: intVar("RATE_LIMIT_READS_PER_MINUTE", 30_000, 0, 100_000_000),
    subscriptions: intVar("RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE", 120, 0, 10_000_000),
  }),
  /**
   * The API's database pool and the memory bucket in front of it: API_DB_POOL_SIZE
   * (connections, 10); MEMORY_POOL_SHARE (percent of them memory transactions may hold at
   * once, 70: the rest stays free for readiness, seal reservations and everything else);
   * MEMORY_MAX_INFLIGHT (memory requests in service at once, past which new ones are shed
   * with 503 OVERLOADED, 64); MEMORY_QUEUE_TIMEOUT_MS (how long an admitted request's
   * transaction may wait for a free share, a stalled database's bound and not a load
   * signal, before it too is shed, 5000).
   */
  memoryBucket: () => {
    const poolSize = intVar("API_DB_POOL_SIZE", 10, 2, 1_000);
    const share = intVar("MEMORY_POOL_SHARE", 70, 10, 100);
    return {
      poolSize,
      connections: Math.max(1, Math.floor((poolSize * share) / 100)),
      maxWaitMs: intVar("MEMORY_QUEUE_TIMEOUT_MS", 5_000, 100, 60_000),
      maxInflight: intVar("MEMORY_MAX_INFLIGHT", 64, 1, 100_000),
    };
  },
  /** EMBEDDER_MODEL_DIR: a bi-encoder in the sentence-transformers ONNX layout (onnx/model.onnx, tokenizer.json, 1_Pooling/config.json). Default: MEMVAULT_HOME/models/all-MiniLM-L6-v2 */
  embedderModelDir: (): string => path.resolve(raw("EMBEDDER_MODEL_DIR") ?? path.join(config.home(), "models", "all-MiniLM-L6-v2")),
  /** EMBEDDER_WORDHASH: embed with the development word-hash embedder (texts sharing words are close; not semantic). `npm start` sets it on the local cluster when no embedder is configured or installed. Default false. */
  embedderWordHash: (): boolean => boolVar("EMBEDDER_WORDHASH", false),
  /** EMBEDDER_URL: a text-embeddings-inference server (/embed); when set it embeds instead of the local model. */
  embedderUrl: (): string | undefined => {
    const value = raw("EMBEDDER_URL");
    if (value !== undefined && !/^https?:\/\//.test(value)) throw new ConfigError("EMBEDDER_URL", "must be an http(s) URL");
    return value;
  },
  /** EMBEDDER_DEVICE: cpu, or cuda (falls back to CPU with a warning). Default cpu. */
  embedderDevice: (): "cpu" | "cuda" => {
    const value = raw("EMBEDDER_DEVICE") ?? "cpu";
    if (value !== "cpu" && value !== "cuda") throw new ConfigError("EMBEDDER_DEVICE", "must be cpu or cuda");
    return value;
  },
  /** EMBEDDER_THREADS: ONNX Runtime intra-op threads for embedding. Default: the machine's cores, at most 4. */
  embedderThreads: (): number => intVar("EMBEDDER_THREADS", Math.min(4, os.availableParallelism()), 1, 64),
  /** EMBEDDER_BATCH_SIZE: texts per inference call. Default 16. */
  embedderBatchSize: (): number => intVar("EMBEDDER_BATCH_SIZE", 16, 1, 1024),
  /** EMBEDDER_MAX_LENGTH: tokens per text; longer texts are truncated for embedding only (the text is stored whole). Default 256. */
  embedderMaxLength: (): number => intVar("EMBEDDER_MAX_LENGTH", 256, 8, 8192),
  /** EMBED_QUERY_BUDGET_MS: how long the API may spend embedding a search query; past it the search fails with EMBED_TIMEOUT. Default 1000. */
  embedQueryBudgetMs: (): number => intVar("EMBED_QUERY_BUDGET_MS", 1_000, 1, 60_000),
  /** EMBED_BATCH_SIZE: text-only memories a seal transaction embeds at most (they hold their rows' locks meanwhile). Default 32. */
  embedBatchSize: (): number => intVar("EMBED_BATCH_SIZE", 32, 1, 1_000),
  /** EMBEDDING_DIM: vector dimension baked into the schema by migrations. Default: 384 (HNSW allows up to 2000). */
  embeddingDim: (): number => intVar("EMBEDDING_DIM", 384, 1, 2000),
};
