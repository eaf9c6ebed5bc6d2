// The API process: Node's http server in front of grafserv (PostGraphile 5). Bearer tokens
// are verified here, before GraphQL and before any database work: no token or a bad one is
// a 401. Every operation then passes checkOperation (size, nesting, depth, fields, cost per operation)
// before grafserv parses it, on HTTP (POST and GET) and on websockets alike.
// /healthz and /readyz beside /graphql; /metrics on its own listener (metricsServer.ts);
// Ruru (GraphiQL) only when enabled.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { createPool } from "../db/createPool.ts";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { NodeGrafserv } from "postgraphile/grafserv/node";
import type { GrafservConfig, RequestDigest } from "postgraphile/grafserv";
import { memvaultSchemaPreset } from "./memvaultPreset.ts";
import { addCorsHeaders, answerPreflight } from "./cors.ts";
import { Gauge, type Registry } from "prom-client";
import type { Logger } from "pino";
import { CodedError } from "../codedError.ts";
import { readApiConfig } from "../config/apiConfig.ts";
import { readEmbedConfig } from "../config/embedConfig.ts";
import { ConfigError } from "../config/configError.ts";
import { serveMetrics } from "../metricsServer.ts";
import { hmacUser } from "../crypto/hmacUser.ts";
import { createSealer } from "../crypto/seal.ts";
import { createSealCounter } from "../crypto/sealCounter.ts";
import { createNotificationHub } from "../db/notificationHub.ts";
import { withRoleFrom, withTenantFrom } from "../db/withTenant.ts";
import { CHUNK_SEALED_CHANNEL } from "../sql/notifyChunksSealed.ts";
import { SEARCH_DONE_CHANNEL } from "../sql/completeSearchRequest.ts";
import { reserveSeals } from "../sql/reserveSeals.ts";
import { selectEmbeddingDims } from "../sql/selectEmbeddingDims.ts";
import type { KeyringProvider } from "../crypto/keyringProvider.ts";
import { instrumentEmbedder, type EmbedderHandle } from "../embed/createEmbedderFromConfig.ts";
import { createEmbedMetrics } from "../embed/embedMetrics.ts";
import { EXPORT_PAGE, streamExport } from "./exportMemories.ts";
import { createApiMetrics } from "./apiMetrics.ts";
import { createMaskError } from "./maskError.ts";
import { createReadiness } from "./readiness.ts";
import { createOperationChecker, GateError, type CheckedOperation, type OperationLimits } from "./checkOperation.ts";
import { createGraphqlSse } from "./graphqlSse.ts";
import { createGraphQLWebsocket } from "./graphqlWebsocket.ts";
import { createMemoryBucket, OverloadedError } from "./memoryBucket.ts";
import { queryParams, readJsonBody } from "./readOperation.ts";
import { createTenantRateLimits, RateLimitedError, type TenantRateLimitConfig } from "./tenantRateLimits.ts";
import { createTenantCap } from "./tenantCap.ts";
import { createMemoryService } from "./memoryService.ts";
import { createMemvaultApiPlugin, type RequestTenant } from "./memvaultApiPlugin.ts";
import { createSealedEvents } from "./sealedEvents.ts";
import { createSearchWaiter } from "./searchWaiter.ts";
import type { Limits } from "./validateMemoryInput.ts";
import type { TokenVerifier } from "./verifyToken.ts";

export interface ApiServerOptions {
  port: number;
  host: string;
  /** memvault_authenticator's connection (NOINHERIT; may only become memvault_user). */
  authenticatorUrl: string;
  verifier: TokenVerifier;
  keyrings: KeyringProvider;
  limits: Limits;
  rerankBudgetMs: number;
  graphiql: boolean;
  operationLimits: OperationLimits;
  maxBodyBytes: number;
  /** Requests one tenant may have in flight (its bodies still arriving included). Default 16. */
  maxInflightPerTenant?: number;
  /** How long a request's headers and body may take to arrive (ms). Default 15000. */
  requestTimeoutMs?: number;
  /** Origins whose browser applications may call the API (CORS). Default none. */
  corsAllowedOrigins?: string[];
  websocket: { maxMessageBytes: number; initTimeoutMs: number; maxOperationsPerTenant: number };
  /** Per-tenant limits per minute by class (0: off). Default: readApiConfig().tenantRateLimits. */
  rateLimits?: TenantRateLimitConfig;
  /** The database pool and the share of it memory operations may hold. Default: readApiConfig().memoryBucket. */
  memoryBucket?: { poolSize: number; connections: number; maxInflight: number; maxWaitMs: number };
  /** Loads the embedder for text-only searches (server-side query embedding). Absent: text-only searches fail with EMBEDDER_UNAVAILABLE. */
  createEmbedder?: (registry: Registry, logger: Logger) => Promise<EmbedderHandle>;
  /** How long embedding one search query may take. Default: readEmbedConfig().EMBED_QUERY_BUDGET_MS. */
  embedQueryBudgetMs?: number;
  /** For /readyz: how searches are reranked (informational: the worker scores, fail-open). */
  rerankStatus?: () => string;
  /** Where /metrics listens (port 0: any free port); absent: not served. Never the API's own port. */
  metrics?: { port: number; host: string };
  logger: Logger;
}

export interface RunningApi {
  url: string;
  /** http://host:port/metrics when opts.metrics is set. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

/** Root fields that may appear in the metrics' `operation` label: a bounded set. */
const KNOWN_ROOT_FIELDS = new Set(["memory", "memories", "count", "search", "remember", "rememberMany", "upsert", "update", "forget", "forgetMatching", "forgetAll", "searchProgress", "memorySealed", "__schema", "__type", "__typename"]);
const operationLabel = (rootFields: string[]) => {
  const known = rootFields.filter((f) => KNOWN_ROOT_FIELDS.has(f));
  return [...known, ...(known.length < rootFields.length ? ["unknown"] : [])].join(",") || "none";
};

/** Bodies already read and checked by the gate, handed to grafserv instead of the stream. */
const prereadBodies = new WeakMap<IncomingMessage, unknown>();

/** Requests one of whose transactions was shed after admission (a stalled database): answered 503. */
const shedInService = new WeakSet<IncomingMessage>();

/** grafserv's node adaptor, reading a body the gate already read (getDigest is its documented extension point). */
class GatedGrafserv extends NodeGrafserv {
  protected override getDigest(...args: Parameters<NodeGrafserv["getDigest"]>): RequestDigest {
    const digest = super.getDigest(...args);
    const body = prereadBodies.get(args[1]);
    if (body !== undefined) digest.getBody = async () => ({ type: "json", json: body as never });
    return digest;
  }

  /** A shed is a 503 with Retry-After on every HTTP response, also when a resolver was shed. */
  protected override processRequest(digest: RequestDigest): ReturnType<NodeGrafserv["processRequest"]> {
    const req = digest.requestContext.node?.req;
    const result = super.processRequest(digest);
    if (!req) return result;
    return Promise.resolve(result).then((r) =>
      r && shedInService.has(req) && (r.type === "json" || r.type === "buffer") ? { ...r, statusCode: 503, headers: { ...r.headers, "retry-after": "1" } } : r,
    );
  }
}

class ServiceUnavailable extends CodedError<"KEYRING_UNAVAILABLE"> {}

export async function startApiServer(opts: ApiServerOptions): Promise<RunningApi> {
  const apiConfig = readApiConfig();
  // Nothing waits for ever: a connection comes within 5 s or the request fails (coded);
  // statements are bounded by the runtime roles' statement_timeout (migrations/roles.sql).
  const bucketConfig = opts.memoryBucket ?? apiConfig.memoryBucket;
  // The memory share's connections are opened at start and kept (min): a first burst, or
  // one after a lull, would otherwise wait for new connections and their SCRAM handshakes.
  // Connections past the share close after a minute idle.
  const pool = createPool(
    { connectionString: opts.authenticatorUrl, max: bucketConfig.poolSize, min: bucketConfig.connections, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 60_000 },
    opts.logger,
    "API",
  );
  const bucket = createMemoryBucket(bucketConfig);
  const rateLimits = createTenantRateLimits(opts.rateLimits ?? apiConfig.tenantRateLimits);
  const streams = createTenantCap(opts.websocket.maxOperationsPerTenant);
  const metrics = createApiMetrics(pool, bucketConfig.poolSize, bucket);
  const { registry, errorsByCode, authFailures } = metrics;
  const dbDims = await selectEmbeddingDims(pool).catch((err) => {
    void pool.end();
    throw err;
  });
  await Promise.all(Array.from({ length: bucketConfig.connections }, () => pool.connect())).then(
    (clients) => clients.forEach((c) => c.release()),
    async (err: unknown) => {
      await pool.end();
      throw err;
    },
  );
  if (dbDims !== undefined && dbDims !== opts.limits.dims) {
    await pool.end();
    throw new ConfigError("EMBEDDING_DIM", `is ${opts.limits.dims}, but the database's embedding column has ${dbDims} dimensions: set EMBEDDING_DIM=${dbDims}`);
  }
  // Seals (search queries) drawn from blocks reserved in the database, as the worker's;
  // the authenticator reserves as memvault_user (it holds no privileges itself).
  const sealCounter = createSealCounter({
    blockSize: 4_096,
    reserver: (version, seals) => withRoleFrom(pool, "memvault_user", (tx) => reserveSeals(tx, version, seals)),
    onWarn: (version, seals) => opts.logger.warn({ keyVersion: version, seals }, "key version nearing its random-nonce limit: rotate the keyring"),
  });
  // The process's one LISTEN connection: rerank results for the waiter, sealed chunks for subscriptions.
  const hub = await createNotificationHub(opts.authenticatorUrl, [SEARCH_DONE_CHANNEL, CHUNK_SEALED_CHANNEL]);
  const waiter = await createSearchWaiter(hub);
  const embedder = opts.createEmbedder
    ? await opts.createEmbedder(registry, opts.logger).catch(async (err: unknown) => {
        await Promise.allSettled([waiter.close(), hub.close()]);
        await pool.end();
        throw err;
      })
    : instrumentEmbedder(undefined, "EMBEDDER_UNAVAILABLE", opts.limits.dims, createEmbedMetrics(registry));
  const embedQueryBudgetMs = opts.embedQueryBudgetMs ?? readEmbedConfig().EMBED_QUERY_BUDGET_MS;
  const sealedEvents = createSealedEvents(hub);
  const service = createMemoryService({
    sealer: () => createSealer(opts.keyrings.current(), { counter: sealCounter }),
    // One keyring read for both: a rotation in between cannot leave the seal unreserved.
    async reservedSealer(n) {
      const keyring = opts.keyrings.current();
      await sealCounter.reserve(keyring.primaryVersion, n);
      return createSealer(keyring, { counter: sealCounter });
    },
    labelKey: () => opts.keyrings.current().labelKey,
    embedQuery: async (query) => (await embedder.embed([query], embedQueryBudgetMs))[0]!,
    limits: opts.limits,
    waiter,
    rerankBudgetMs: opts.rerankBudgetMs,
    rerankCandidates: 24,
  });

  /** sub -> tenant. A keyring that cannot be read is the server's fault (503), not the token's. */
  const tenantFor = (sub: string, onShed: () => void): RequestTenant => {
    let keyring;
    try {
      keyring = opts.keyrings.current();
    } catch (err) {
      throw new ServiceUnavailable("KEYRING_UNAVAILABLE", "the server's keyring is unavailable; try again later", { cause: err });
    }
    const userHash = hmacUser(keyring, sub);
    // Every memory transaction holds a share of the pool, or is shed (memoryBucket).
    return { userHash, withTenant: bucket.guard(withTenantFrom(pool, { userHash, role: "memvault_user" }), onShed) };
  };

  // HTTP requests and websockets -> their verified tenant (sockets also carry the token's expiry).
  const tenants = new WeakMap<object, RequestTenant & { exp: number }>();
  const operations = new WeakMap<IncomingMessage, string>();
  const preset: GraphileConfig.Preset = {
    extends: [memvaultSchemaPreset(createMemvaultApiPlugin(service, sealedEvents, opts.limits))],
    // No schema is introspected for generated CRUD: every field is explicit (the plugin).
    pgServices: [makePgService({ pool, schemas: [] })],
    grafserv: {
      graphqlPath: "/graphql",
      graphiql: opts.graphiql,
      graphiqlPath: "/",
      // Queries over GET, as GraphQL-over-HTTP clients (urql) send them; mutations stay POST.
      graphqlOverGET: true,
      // Websockets are served by createGraphQLWebsocket (auth at connection_init, caps).
      websockets: false,
      maxRequestLength: opts.maxBodyBytes,
      // grafserv keeps parsed documents per query text; fewer than its default 500, since an
      // authenticated client may send distinct documents up to GRAPHQL_MAX_QUERY_BYTES each.
      parseAndValidateCacheSize: 100,
      maskError: createMaskError(opts.logger, (code) => errorsByCode.inc({ code })),
    },
    grafast: {
      async context(requestContext) {
        const socket = requestContext.ws?.socket as object | undefined;
        if (socket) {
          const tenant = tenants.get(socket);
          return tenant ? { memvault: tenant } : {};
        }
        const req = requestContext.node?.req;
        const tenant = req ? tenants.get(req) : undefined;
        return tenant ? { memvault: tenant } : {};
      },
    },
  };
  const pgl = postgraphile(preset);
  // Build the schema now: a broken start fails here, not on a first request. The gate
  // validates against it, so grafserv only ever sees valid operations.
  const schema = await pgl.getSchema();
  const checkOperation = createOperationChecker(opts.operationLimits, schema);
  const serv = pgl.createServ((config: GrafservConfig) => new GatedGrafserv(config));
  const handler = serv.createHandler();
  const sse = createGraphqlSse(serv);

  /** Rate limits for a checked operation: all of its cost or none (nothing runs when refused). */
  async function spend(userHash: string, checked: CheckedOperation): Promise<void> {
    const admission = await rateLimits.admit(userHash, checked.cost);
    for (const [rateClass, n] of Object.entries(checked.cost)) {
      if (n > 0) metrics.admissions.inc({ class: rateClass, outcome: admission.admitted ? "admitted" : rateClass === (admission as { rateClass?: string }).rateClass ? "rate_limited" : "not_spent" });
    }
    if (!admission.admitted) throw new RateLimitedError(admission.rateClass, admission.retryAfterMs);
  }
  const shed = () => {
    metrics.admissions.inc({ class: "memory", outcome: "shed" });
    return new OverloadedError("memvault is overloaded; retry shortly", bucket.retryAfterMs);
  };

  /** A bearer token -> its tenant and expiry, timed (HTTP and websockets alike). */
  async function verifiedTenant(authorization: string | undefined, req?: IncomingMessage): Promise<RequestTenant & { exp: number }> {
    const timer = metrics.authSeconds.startTimer();
    try {
      const { sub, exp } = await opts.verifier.verify(authorization);
      // A transaction shed after admission is counted as a shed; its HTTP response is a 503.
      const onShed = () => {
        metrics.admissions.inc({ class: "memory", outcome: "shed" });
        if (req) shedInService.add(req);
      };
      return { ...tenantFor(sub, onShed), exp };
    } finally {
      timer();
    }
  }

  /** The token: a tenant, or the HTTP error already sent. */
  async function authenticateRequest(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    try {
      tenants.set(req, await verifiedTenant(req.headers.authorization, req));
      return true;
    } catch (err) {
      if (err instanceof ServiceUnavailable) {
        opts.logger.error({ code: err.code }, "keyring unavailable");
        errorsByCode.inc({ code: err.code });
        sendError(res, 503, err.code, err.message, { "retry-after": "5" });
        return false;
      }
      const code = err instanceof CodedError ? String(err.code) : "AUTH_INVALID";
      authFailures.inc({ code });
      sendError(res, 401, code, err instanceof CodedError ? err.message : "unauthorized", { "www-authenticate": 'Bearer realm="memvault"' });
      return false;
    }
  }

  const websocket = createGraphQLWebsocket({
    serv,
    path: "/graphql",
    ...opts.websocket,
    streams,
    tenants,
    authenticate: verifiedTenant,
    async admit(tenant, payload) {
      const checked = checkOperation((payload ?? {}) as Record<string, unknown>);
      if (bucket.full()) throw shed();
      await spend(tenant.userHash, checked);
    },
    onRefusal: (code) => (code.startsWith("AUTH_") ? authFailures.inc({ code }) : errorsByCode.inc({ code })),
    logger: opts.logger,
  });

  const sendError = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}, extensions: Record<string, unknown> = {}) =>
    void res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify({ errors: [{ message, extensions: { ...extensions, code } }] }));
  /** A refusal of the whole request: 429 / 503 with Retry-After (seconds) and retryAfterMs in the error. */
  const sendRetryLater = (res: ServerResponse, err: RateLimitedError | OverloadedError) => {
    errorsByCode.inc({ code: err.code });
    sendError(res, err instanceof RateLimitedError ? 429 : 503, err.code, err.message, { "retry-after": String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))) }, err.extensions);
  };

  /**
   * /graphql (POST, GET) and /graphql/stream (graphql-sse): token, then the memory bucket
   * the tenant's in-flight cap, the body (under a deadline), the operation's checks, the
   * memory bucket (shed), then the tenant's rate limits.
   * Returns the checked body, or undefined when a response was already sent.
   */
  async function admitRequest(req: IncomingMessage, res: ServerResponse, stream: boolean): Promise<Record<string, unknown> | undefined> {
    if (!(await authenticateRequest(req, res))) return undefined;
    // The tenant's own cap first: its requests still sending their bodies count here, not
    // against everyone's in-service slots (the body is read before the bucket is entered, and
    // server.requestTimeout ends one that takes too long to arrive).
    const leaveTenant = tenantInflight.open(tenants.get(req)!.userHash);
    if (!leaveTenant) return void sendRetryLater(res, new RateLimitedError("in_flight", 1_000));
    res.once("close", leaveTenant);
    let body: Record<string, unknown>;
    let checked: CheckedOperation;
    try {
      body = req.method === "POST" ? await readJsonBody(req, opts.maxBodyBytes) : queryParams(req.url ?? "");
      checked = checkOperation(body);
    } catch (err) {
      if (!(err instanceof GateError)) throw err;
      errorsByCode.inc({ code: err.code });
      return void sendError(res, err.status, err.code, err.message);
    }
    // grafserv would stream a subscription over plain POST /graphql (multipart), outside the
    // stream caps and expiry that SSE and websockets keep: subscriptions go there.
    // Mutations change state: never over GET (a link or a prefetch could run them).
    if (req.method === "GET" && checked.kind === "mutation") {
      errorsByCode.inc({ code: "BAD_REQUEST" });
      return void sendError(res, 405, "BAD_REQUEST", "send mutations with POST", { allow: "POST" });
    }
    if (!stream && checked.cost.subscriptions > 0) {
      errorsByCode.inc({ code: "BAD_REQUEST" });
      return void sendError(res, 400, "BAD_REQUEST", "subscriptions are served over /graphql/stream (graphql-sse) or a websocket, not /graphql");
    }
    // A stream may stay open for hours (memorySealed): it is admitted like a request but not
    // counted in service (nor in its tenant's requests: streams have their own cap); its
    // transactions take shares like any other.
    const leave = stream ? (bucket.full() ? undefined : () => {}) : bucket.enter();
    if (!leave) return void sendRetryLater(res, shed());
    res.once("close", leave);
    if (stream) leaveTenant();
    operations.set(req, operationLabel(checked.rootFields));
    try {
      await spend(tenants.get(req)!.userHash, checked);
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      return void sendRetryLater(res, err);
    }
    return body;
  }

  const corsOrigins = new Set(opts.corsAllowedOrigins ?? []);
  const tenantInflight = createTenantCap(opts.maxInflightPerTenant ?? 16);
  const exports = createTenantCap(1);
  const ready = createReadiness({ authenticatorUrl: opts.authenticatorUrl, keyrings: opts.keyrings, dims: opts.limits.dims, registry, logger: opts.logger });
  // A request (headers and body) must arrive within requestTimeout: a body trickled byte by
  // byte gets 408 instead of holding its tenant's in-flight share for Node's default five
  // minutes. Node checks deadlines every connectionsCheckingInterval (30 s by default).
  const requestTimeout = opts.requestTimeoutMs ?? 15_000;
  const server = http.createServer({ requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: 1_000 }, async (req, res) => {
    const started = performance.now();
    const route = (req.url ?? "/").split("?")[0]!;
    res.on("finish", () =>
      metrics.requests.observe(
        {
          route: ["/graphql", "/graphql/stream", "/export", "/healthz", "/readyz"].includes(route) ? route : "other",
          operation: route.startsWith("/graphql") ? (operations.get(req) ?? "none") : "",
          status: String(res.statusCode),
        },
        (performance.now() - started) / 1000,
      ),
    );
    try {
      if (req.method === "OPTIONS") {
        // A CORS preflight from an allowed origin; any other OPTIONS is a coded refusal.
        if (answerPreflight(req, res, corsOrigins)) return;
        return sendError(res, 405, "BAD_REQUEST", "OPTIONS answers CORS preflights from the origins in CORS_ALLOWED_ORIGINS only", { allow: "GET, POST" });
      }
      addCorsHeaders(req, res, corsOrigins);
      if (route === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      if (route === "/readyz") {
        const checks = { ...(await ready.check()), rerank: opts.rerankStatus?.() ?? "unknown", embedder: embedder.embedder ? "ready" : (embedder.reason ?? "EMBEDDER_UNAVAILABLE") };
        return void res.writeHead(checks.ready ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(checks));
      }
      if (route === "/export") {
        // Everything the tenant has, opened, as NDJSON: a page per tenant transaction, each
        // through the memory bucket like any other read. One export at a time per tenant,
        // and it costs its rows: each page of 100 is paid from the tenant's reads before it
        // is read (past the limit the export ends with an error line RATE_LIMITED).
        if (req.method !== "GET") return sendError(res, 405, "BAD_REQUEST", "use GET", { allow: "GET" });
        if (!(await authenticateRequest(req, res))) return;
        const tenant = tenants.get(req)!;
        const leaveTenant = tenantInflight.open(tenant.userHash);
        const leaveExport = leaveTenant && exports.open(tenant.userHash);
        if (!leaveTenant || !leaveExport) {
          leaveTenant?.();
          return sendRetryLater(res, new RateLimitedError(leaveTenant ? "export" : "in_flight", 1_000));
        }
        res.once("close", () => {
          leaveExport();
          leaveTenant();
        });
        const pageCost = (rows: number): CheckedOperation => ({ rootFields: ["export"], kind: "query", cost: { writes: 0, searches: 0, reranks: 0, reads: rows, subscriptions: 0 } });
        try {
          await spend(tenant.userHash, pageCost(EXPORT_PAGE));
        } catch (err) {
          if (!(err instanceof RateLimitedError)) throw err;
          return sendRetryLater(res, err);
        }
        let paid = true; // the first page, above: a refusal there is still a 429
        return await streamExport(res, service, tenant, opts.logger, async (rows) => {
          if (paid) return void (paid = false);
          await spend(tenant.userHash, pageCost(rows));
        });
      }
      if (route === "/graphql/stream") {
        if (req.method !== "POST" && req.method !== "GET") return sendError(res, 405, "BAD_REQUEST", "use POST or GET", { allow: "GET, POST" });
        // graphql-sse's distinct connections mode: the client asks for an event stream.
        if (!(req.headers.accept ?? "").split(",").some((t) => t.split(";")[0]!.trim() === "text/event-stream")) {
          return sendError(res, 406, "BAD_REQUEST", "accept: text/event-stream is required on /graphql/stream");
        }
        const body = await admitRequest(req, res, true);
        if (!body) return;
        const closeStream = streams.open(tenants.get(req)!.userHash);
        if (!closeStream) {
          errorsByCode.inc({ code: "SUBSCRIPTION_LIMIT" });
          return sendError(res, 429, "SUBSCRIPTION_LIMIT", `at most ${streams.maxPerTenant} open subscriptions and streams per user`, { "retry-after": "1" });
        }
        res.once("close", closeStream);
        req.headers.accept = "text/event-stream"; // graphql-sse matches the header exactly
        return await sse.serve(req, res, body, tenants.get(req)!.exp);
      }
      if (route === "/graphql" && (req.method === "POST" || req.method === "GET")) {
        const body = await admitRequest(req, res, false);
        if (!body) return;
        if (req.method === "POST") prereadBodies.set(req, body);
      }
      handler(req, res);
    } catch (err) {
      opts.logger.error({ code: (err as { code?: string }).code ?? "INTERNAL", route }, "request failed");
      if (!res.headersSent) sendError(res, 500, "INTERNAL", "Internal error");
      else res.end();
    }
  });
  // Idle keep-alive sockets stay open longer than clients and balancers keep theirs (60 s is
  // common): closing first races a client reusing the socket, which then sees ECONNRESET.
  server.keepAliveTimeout = 65_000;
  server.on("upgrade", (req, socket, head) => websocket.handleUpgrade(req, socket, head));
  new Gauge({
    name: "memvault_api_websockets",
    help: "Open websockets, open operations on them, and memorySealed subscribers.",
    labelNames: ["kind"] as const,
    registers: [registry],
    collect() {
      const { sockets, operations } = websocket.stats();
      this.set({ kind: "sockets" }, sockets);
      this.set({ kind: "operations" }, operations);
      this.set({ kind: "sealed_subscribers" }, sealedEvents.count());
    },
  });
  const releaseAll = async () => {
    await Promise.allSettled([websocket.close(), pgl.release(), waiter.close(), hub.close(), ready.close()]);
    await pool.end();
  };
  const metricsServer = opts.metrics
    ? await serveMetrics(registry, opts.metrics.port, opts.metrics.host).catch(async (err: unknown) => {
        await releaseAll();
        if ((err as { code?: string }).code === "EADDRINUSE") throw new ConfigError("API_METRICS_PORT", `${opts.metrics!.host}:${opts.metrics!.port} is in use`);
        throw err;
      })
    : undefined;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (err) => {
    await metricsServer?.close();
    await releaseAll();
    if ((err as { code?: string }).code === "EADDRINUSE") throw new ConfigError("API_PORT", `${opts.host}:${opts.port} is in use (is memvault already running?)`);
    throw err;
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${opts.host}:${port}`,
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    async stop() {
      await metricsServer?.close();
      await websocket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pgl.release();
      sealedEvents.close();
      await embedder.close();
      await waiter.close();
      await hub.close();
      metrics.stop();
      await ready.close();
      await pool.end();
    },
  };
}
