// The API process: Node's http server in front of grafserv (PostGraphile 5). Bearer tokens
// are verified before GraphQL and before any database work (requestAdmission.ts); every
// operation passes checkOperation (size, nesting, depth, fields, cost per operation) before
// grafserv parses it, on HTTP (POST and GET) and on websockets alike. Routes in
// apiRoutes.ts; what the process holds open in apiResources.ts; /metrics on its own
// listener (metricsServer.ts).
import http from "node:http";
import { postgraphile } from "postgraphile";
import type { GrafservConfig } from "postgraphile/grafserv";
import { Gauge } from "prom-client";
import { ConfigError } from "../config/configError.ts";
import { serveMetrics } from "../metricsServer.ts";
import { openApiResources, type ApiResources } from "./apiResources.ts";
import { createRequestHandler } from "./apiRoutes.ts";
import type { ApiServerOptions, RunningApi } from "./apiServerOptions.ts";
import { createOperationChecker, type OperationChecker } from "./checkOperation.ts";
import { GatedGrafserv } from "./gatedGrafserv.ts";
import { createGraphqlSse } from "./graphqlSse.ts";
import { createGraphQLWebsocket } from "./graphqlWebsocket.ts";
import { createMemvaultApiPlugin } from "./memvaultApiPlugin.ts";
import { memvaultServerPreset } from "./memvaultPreset.ts";
import { createReadiness } from "./readiness.ts";
import { RequestAdmission } from "./requestAdmission.ts";
import { createTenantCap, type TenantCap } from "./tenantCap.ts";

export type { ApiServerOptions, RunningApi } from "./apiServerOptions.ts";

/** Listens, or rejects with a ConfigError naming the variable when the port is taken. */
function listen(server: http.Server, port: number, host: string, variable: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((err: unknown) => {
    if ((err as { code?: string }).code === "EADDRINUSE") throw new ConfigError(variable, `${host}:${port} is in use (is memvault already running?)`);
    throw err;
  });
}

function gaugeWebsockets(resources: ApiResources, stats: () => { sockets: number; operations: number }): void {
  new Gauge({
    name: "memvault_api_websockets",
    help: "Open websockets, open operations on them, and memorySealed subscribers.",
    labelNames: ["kind"] as const,
    registers: [resources.metrics.registry],
    collect() {
      const { sockets, operations } = stats();
      this.set({ kind: "sockets" }, sockets);
      this.set({ kind: "operations" }, operations);
      this.set({ kind: "sealed_subscribers" }, resources.sealedEvents.count());
    },
  });
}

/** Websockets (graphql-ws): the same token, operation checks, bucket and rate limits as HTTP. */
function websocketFor(opts: ApiServerOptions, resources: ApiResources, gate: RequestAdmission, serv: Parameters<typeof createGraphQLWebsocket>[0]["serv"], streams: TenantCap, checkOperation: OperationChecker) {
  const { metrics } = resources;
  return createGraphQLWebsocket({
    serv,
    path: "/graphql",
    ...opts.websocket,
    streams,
    tenants: gate.tenants,
    authenticate: (authorization) => gate.verifiedTenant(authorization),
    async admit(tenant, payload) {
      const checked = checkOperation((payload ?? {}) as Record<string, unknown>);
      if (resources.bucket.full()) throw gate.shed();
      await gate.spend(tenant.userHash, checked);
    },
    onRefusal: (code) => (code.startsWith("AUTH_") ? metrics.authFailures.inc({ code }) : metrics.errorsByCode.inc({ code })),
    logger: opts.logger,
  });
}

export async function startApiServer(opts: ApiServerOptions): Promise<RunningApi> {
  const resources = await openApiResources(opts);
  const { pool, metrics, service, sealedEvents } = resources;
  let admission: RequestAdmission | undefined;
  const pgl = postgraphile(
    memvaultServerPreset({
      plugin: createMemvaultApiPlugin(service, sealedEvents),
      pool,
      graphiql: opts.graphiql,
      maxBodyBytes: opts.maxBodyBytes,
      logger: opts.logger,
      onErrorCode: (code) => metrics.errorsByCode.inc({ code }),
      tenantOf: (key) => admission?.tenants.get(key),
    }),
  );
  // Build the schema now: a broken start fails here, not on a first request. The gate
  // validates against it, so grafserv only ever sees valid operations.
  const schema = await pgl.getSchema();
  const checkOperation = createOperationChecker(opts.operationLimits, schema);
  admission = new RequestAdmission(opts, resources, checkOperation);
  const serv = pgl.createServ((config: GrafservConfig) => new GatedGrafserv(config));
  const streams = createTenantCap(opts.websocket.maxOperationsPerTenant);
  const websocket = websocketFor(opts, resources, admission, serv, streams, checkOperation);
  const ready = createReadiness({ authenticatorUrl: opts.authenticatorUrl, keyrings: opts.keyrings, dims: opts.limits.dims, registry: metrics.registry, logger: opts.logger });
  const handle = createRequestHandler({ opts, resources, admission, streams, sse: createGraphqlSse(serv), ready, grafserv: serv.createHandler() });
  // A request (headers and body) must arrive within requestTimeout: a body trickled byte by
  // byte gets 408 instead of holding its tenant's in-flight share for Node's default five
  // minutes. Node checks deadlines every connectionsCheckingInterval (30 s by default).
  const requestTimeout = opts.requestTimeoutMs ?? 15_000;
  const server = http.createServer({ requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: 1_000 }, (req, res) => void handle(req, res));
  // Idle keep-alive sockets stay open longer than clients and balancers keep theirs (60 s is
  // common): closing first races a client reusing the socket, which then sees ECONNRESET.
  server.keepAliveTimeout = 65_000;
  server.on("upgrade", (req, socket, head) => websocket.handleUpgrade(req, socket, head));
  gaugeWebsockets(resources, () => websocket.stats());
  const release = async () => {
    await Promise.allSettled([websocket.close(), pgl.release(), resources.waiter.close(), resources.hub.close(), ready.close()]);
    sealedEvents.close();
    await resources.embedder.close();
    metrics.stop();
    await pool.end();
  };
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  try {
    if (opts.metrics) {
      metricsServer = await serveMetrics(metrics.registry, opts.metrics.port, opts.metrics.host).catch((err: unknown) => {
        throw (err as { code?: string }).code === "EADDRINUSE" ? new ConfigError("API_METRICS_PORT", `${opts.metrics!.host}:${opts.metrics!.port} is in use`) : err;
      });
    }
    await listen(server, opts.port, opts.host, "API_PORT");
  } catch (err) {
    await metricsServer?.close();
    await release();
    throw err;
  }
  const { port } = server.address() as { port: number };
  return {
    url: `http://${opts.host}:${port}`,
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    async stop() {
      await metricsServer?.close();
      await websocket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await release();
    },
  };
}
