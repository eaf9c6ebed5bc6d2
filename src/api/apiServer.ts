// The API process: Node's http server in front of grafserv (PostGraphile 5). Bearer tokens
// are verified here, before GraphQL and before any database work: no token or a bad one is
// a 401. /healthz, /readyz and /metrics beside /graphql; Ruru (GraphiQL) only when enabled.
import http, { type IncomingMessage } from "node:http";
import pg from "pg";
import { isSafeError } from "postgraphile/grafast";
import { GraphQLError } from "postgraphile/graphql";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Logger } from "pino";
import { CodedError } from "../codedError.ts";
import { hmacUser } from "../crypto/hmacUser.ts";
import { createSealer } from "../crypto/seal.ts";
import { createSealCounter } from "../crypto/sealCounter.ts";
import { createNotificationHub } from "../db/notificationHub.ts";
import { createSearchWaiter } from "./searchWaiter.ts";
import { CHUNK_SEALED_CHANNEL } from "../sql/notifyChunksSealed.ts";
import { SEARCH_DONE_CHANNEL } from "../sql/completeSearchRequest.ts";
import type { KeyringProvider } from "../crypto/keyringProvider.ts";
import { createMemoryService } from "./memoryService.ts";
import { createMemvaultApiPlugin, type RequestTenant } from "./memvaultApiPlugin.ts";
import { createQueryLimitsPlugin, type QueryLimits } from "./queryLimitsPlugin.ts";
import { withTenantFrom } from "../db/withTenant.ts";
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
  queryLimits: QueryLimits;
  /** For /readyz: how searches are reranked (informational: the worker scores, fail-open). */
  rerankStatus?: () => string;
  logger: Logger;
}

export interface RunningApi {
  url: string;
  stop(): Promise<void>;
}

export async function startApiServer(opts: ApiServerOptions): Promise<RunningApi> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "memvault_api_" });
  const requests = new Histogram({
    name: "memvault_api_request_seconds",
    help: "HTTP request latency by route and, for /graphql, operation (its root fields).",
    labelNames: ["route", "operation", "status"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: "memvault_api_db_pool_connections",
    help: "The API's connections to PostgreSQL by state (total, idle, waiting requests).",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      this.set({ state: "total" }, pool.totalCount);
      this.set({ state: "idle" }, pool.idleCount);
      this.set({ state: "waiting" }, pool.waitingCount);
    },
  });
  const authFailures = new Counter({ name: "memvault_api_auth_failures_total", help: "Requests refused with 401, by code.", labelNames: ["code"] as const, registers: [registry] });

  const pool = new pg.Pool({ connectionString: opts.authenticatorUrl, max: 10 });
  // Seals (search queries) counted per key version for this process, as the worker does.
  const sealCounter = createSealCounter({
    onWarn: (version, seals) => opts.logger.warn({ keyVersion: version, seals }, "key version nearing its random-nonce limit: rotate the keyring"),
  });
  pool.on("error", (err) => opts.logger.error({ code: (err as { code?: string }).code }, "idle API connection failed"));
  // The process's one LISTEN connection: rerank results for the waiter, sealed chunks for subscriptions.
  const hub = await createNotificationHub(opts.authenticatorUrl, [SEARCH_DONE_CHANNEL, CHUNK_SEALED_CHANNEL]);
  const waiter = await createSearchWaiter(hub);
  const service = createMemoryService({
    sealer: () => createSealer(opts.keyrings.current(), { counter: sealCounter }),
    limits: opts.limits,
    waiter,
    rerankBudgetMs: opts.rerankBudgetMs,
    rerankCandidates: 24,
  });

  const tenants = new WeakMap<IncomingMessage, RequestTenant>();
  const operations = new WeakMap<IncomingMessage, string>();
  const preset: GraphileConfig.Preset = {
    extends: [PostGraphileAmberPreset],
    plugins: [createMemvaultApiPlugin(service, hub), createQueryLimitsPlugin(opts.queryLimits, (req, label) => req && operations.set(req, label))],
    // No schema is introspected for generated CRUD: every field is explicit (the plugin).
    pgServices: [makePgService({ pool, schemas: [] })],
    grafserv: {
      graphqlPath: "/graphql",
      graphiql: opts.graphiql,
      graphiqlPath: "/",
      // graphql-ws; the token travels in connection_init's payload ({ authorization }).
      websockets: true,
      // A full rememberMany (100 x 64 KiB text + 16 KiB meta + a vector) fits; much more is refused (413).
      maxRequestLength: 10_000_000,
      maskError(error) {
        const original = error.originalError;
        if (!original || original instanceof CodedError || isSafeError(original)) return error;
        // Database and internal errors never reach clients: no SQL, no stack, no values.
        opts.logger.error({ code: (original as { code?: string }).code ?? "INTERNAL" }, "internal error in a GraphQL request");
        return new GraphQLError("Internal error", {
          ...(error.nodes ? { nodes: error.nodes } : {}),
          ...(error.path ? { path: error.path } : {}),
          extensions: { code: "INTERNAL" },
        });
      },
    },
    grafast: {
      async context(requestContext) {
        const ws = requestContext.ws;
        if (ws) {
          // Verified before any plan runs; a bad token fails the operation with no database work.
          const authorization = (ws.connectionParams as { authorization?: unknown } | undefined)?.authorization;
          const { sub } = await opts.verifier.verify(typeof authorization === "string" ? authorization : undefined);
          const userHash = hmacUser(opts.keyrings.current(), sub);
          return { memvault: { userHash, withTenant: withTenantFrom(pool, { userHash, role: "memvault_user" }) } };
        }
        const req = requestContext.node?.req;
        const tenant = req ? tenants.get(req) : undefined;
        return tenant ? { memvault: tenant } : {};
      },
    },
  };
  const pgl = postgraphile(preset);
  // Build the schema (and introspect) now: a broken start fails here, not on a first request.
  await pgl.getSchema();
  const serv = pgl.createServ(grafserv);
  const handler = serv.createHandler();
  const upgrade = await serv.getUpgradeHandler();

  const server = http.createServer(async (req, res) => {
    const started = performance.now();
    const route = (req.url ?? "/").split("?")[0]!;
    const done = (status: number) =>
      requests.observe(
        {
          route: ["/graphql", "/healthz", "/readyz", "/metrics"].includes(route) ? route : "other",
          operation: route === "/graphql" ? (operations.get(req) ?? "none") : "",
          status: String(status),
        },
        (performance.now() - started) / 1000,
      );
    res.on("finish", () => done(res.statusCode));
    try {
      if (route === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      if (route === "/readyz") {
        const checks = { ...(await readiness(pool, opts.keyrings)), rerank: opts.rerankStatus?.() ?? "unknown" };
        return void res.writeHead(checks.ready ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(checks));
      }
      if (route === "/metrics") {
        return void res.writeHead(200, { "content-type": registry.contentType }).end(await registry.metrics());
      }
      if (route === "/graphql") {
        try {
          const { sub } = await opts.verifier.verify(req.headers.authorization);
          const userHash = hmacUser(opts.keyrings.current(), sub);
          tenants.set(req, { userHash, withTenant: withTenantFrom(pool, { userHash, role: "memvault_user" }) });
        } catch (err) {
          const code = err instanceof CodedError ? err.code : "AUTH_INVALID";
          authFailures.inc({ code });
          return void res
            .writeHead(401, { "content-type": "application/json", "www-authenticate": 'Bearer realm="memvault"' })
            .end(JSON.stringify({ errors: [{ message: err instanceof CodedError ? err.message : "unauthorized", extensions: { code } }] }));
        }
      }
      handler(req, res);
    } catch (err) {
      opts.logger.error({ code: (err as { code?: string }).code ?? "INTERNAL" }, "request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ message: "Internal error" }] }));
    }
  });
  if (upgrade) server.on("upgrade", upgrade);
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://${opts.host}:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pgl.release();
      await waiter.close();
      await hub.close();
      await pool.end();
    },
  };
}

async function readiness(pool: pg.Pool, keyrings: KeyringProvider) {
  const checks: Record<string, boolean> = {};
  try {
    // The authenticator holds no privileges: reachability and the schema's presence only.
    const { rows } = await pool.query(
      `select exists (select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                      where n.nspname = 'memvault' and c.relname = 'search_requests') as migrated`,
    );
    checks.database = true;
    checks.schema = rows[0]?.migrated === true;
  } catch {
    checks.database = false;
  }
  try {
    keyrings.current();
    checks.keyring = true;
  } catch {
    checks.keyring = false;
  }
  return { ready: Object.values(checks).every(Boolean), ...checks };
}
