// The GraphQL API: where it listens, what one request and one tenant may ask for, its
// database pool, and how tokens are verified (apiTokenConfig.ts).
import { bool, int, list, readSettings, text, type Env } from "./settings.ts";

function checkOrigin(origin: string): string | undefined {
  if (!URL.canParse(origin)) return `'${origin.slice(0, 100)}' is not an origin (scheme://host[:port])`;
  const url = new URL(origin);
  return /^https?:$/.test(url.protocol) && url.origin === origin ? undefined : `'${origin.slice(0, 100)}' is not an origin (scheme://host[:port], no path, no trailing slash)`;
}

export const API_SETTINGS = {
  API_PORT: int("Where the GraphQL API listens.", 4000, 0, 65_535),
  API_HOST: text("The address the API binds to.", "127.0.0.1"),
  API_METRICS_PORT: int("The API's Prometheus /metrics, on a listener of its own (METRICS_HOST), never the API port; 0 turns it off.", 9465, 0, 65_535),
  API_MAX_BODY_BYTES: int("Largest HTTP request body (a full rememberMany: 100 x 64 KiB text, meta, a vector).", 10_000_000, 1_000, 100_000_000),
  API_REQUEST_TIMEOUT_MS: int("How long a request's headers and body may take to arrive (408 past it).", 15_000, 1_000, 600_000),
  API_MAX_INFLIGHT_PER_TENANT: int("Requests one tenant may have in flight at once (429 RATE_LIMITED, rateClass in_flight, past it).", 16, 1, 10_000),
  CORS_ALLOWED_ORIGINS: list("Comma-separated origins (scheme://host[:port]) whose browser applications may call the API. Unset: none.", checkOrigin),
  GRAPHIQL: bool("Serve Ruru (GraphiQL) at /; `npm start` turns it on for local development.", false),
  GRAPHQL_INTROSPECTION: bool("Allow __schema / __type; on whenever GraphiQL is.", false),
  GRAPHQL_MAX_QUERY_BYTES: int("Largest operation text.", 100_000, 100, 10_000_000),
  GRAPHQL_MAX_TOKENS: int("Tokens the parser reads at most.", 10_000, 100, 1_000_000),
  GRAPHQL_MAX_NESTING: int("Brackets nested in the raw text.", 32, 4, 256),
  GRAPHQL_MAX_DEPTH: int("Selection depth.", 8, 1, 100),
  GRAPHQL_MAX_FIELDS: int("Field selections, fragments counted each time they are spread.", 200, 1, 100_000),
  GRAPHQL_MAX_WRITES: int("Memories one operation writes, across aliases and fragments.", 100, 1, 100_000),
  GRAPHQL_MAX_SEARCHES: int("Searches in one operation.", 10, 1, 10_000),
  GRAPHQL_MAX_RERANKS: int("Searches with a query (each reranked) in one operation.", 2, 0, 10_000),
  GRAPHQL_MAX_READS: int("Memories one operation returns.", 500, 1, 1_000_000),
  WS_MAX_MESSAGE_BYTES: int("Largest websocket message.", 1_048_576, 1_024, 100_000_000),
  WS_INIT_TIMEOUT_MS: int("A websocket without a valid connection_init by then is closed.", 3_000, 100, 60_000),
  WS_MAX_OPERATIONS_PER_TENANT: int("Open subscriptions and operations per user, across websockets.", 10, 1, 10_000),
  RATE_LIMIT_WRITES_PER_MINUTE: int("Memories one tenant writes per minute, per API process; 0 turns the class off.", 3_000, 0, 10_000_000),
  RATE_LIMIT_SEARCHES_PER_MINUTE: int("Searches per tenant per minute.", 1_200, 0, 10_000_000),
  RATE_LIMIT_RERANKS_PER_MINUTE: int("Searches with a query per tenant per minute.", 240, 0, 10_000_000),
  RATE_LIMIT_READS_PER_MINUTE: int("Memories read by id or page per tenant per minute.", 30_000, 0, 100_000_000),
  RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE: int("Subscriptions and event streams opened per tenant per minute.", 120, 0, 10_000_000),
  API_DB_POOL_SIZE: int("The API's database connections.", 10, 2, 1_000),
  MEMORY_POOL_SHARE: int("Percent of them memory transactions may hold at once (the rest stays free for readiness, seal reservations and the rest).", 70, 10, 100),
  MEMORY_MAX_INFLIGHT: int("Memory requests in service at once; past it new ones are shed with 503 OVERLOADED.", 64, 1, 100_000),
  MEMORY_QUEUE_TIMEOUT_MS: int("How long an admitted request's transaction may wait for a share (a stalled database's bound, not a load signal) before it too is shed.", 5_000, 100, 60_000),
};

export const readApiConfig = (env: Env = process.env) => {
  const c = readSettings(API_SETTINGS, env);
  return {
    ...c,
    /** What one GraphQL operation may ask for (checkOperation). */
    operationLimits: (introspection: boolean) => ({
      maxQueryBytes: c.GRAPHQL_MAX_QUERY_BYTES,
      maxTokens: c.GRAPHQL_MAX_TOKENS,
      maxNesting: c.GRAPHQL_MAX_NESTING,
      maxDepth: c.GRAPHQL_MAX_DEPTH,
      maxFields: c.GRAPHQL_MAX_FIELDS,
      introspection,
      maxCost: { writes: c.GRAPHQL_MAX_WRITES, searches: c.GRAPHQL_MAX_SEARCHES, reranks: c.GRAPHQL_MAX_RERANKS, reads: c.GRAPHQL_MAX_READS, subscriptions: 1 },
    }),
    websocketLimits: { maxMessageBytes: c.WS_MAX_MESSAGE_BYTES, initTimeoutMs: c.WS_INIT_TIMEOUT_MS, maxOperationsPerTenant: c.WS_MAX_OPERATIONS_PER_TENANT },
    tenantRateLimits: {
      writes: c.RATE_LIMIT_WRITES_PER_MINUTE,
      searches: c.RATE_LIMIT_SEARCHES_PER_MINUTE,
      reranks: c.RATE_LIMIT_RERANKS_PER_MINUTE,
      reads: c.RATE_LIMIT_READS_PER_MINUTE,
      subscriptions: c.RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE,
    },
    memoryBucket: {
      poolSize: c.API_DB_POOL_SIZE,
      connections: Math.max(1, Math.floor((c.API_DB_POOL_SIZE * c.MEMORY_POOL_SHARE) / 100)),
      maxWaitMs: c.MEMORY_QUEUE_TIMEOUT_MS,
      maxInflight: c.MEMORY_MAX_INFLIGHT,
    },
  };
};
