// The API's HTTP routes: /healthz, /readyz, /export, /graphql/stream (graphql-sse) and
// /graphql (POST and GET), each request timed by route and operation; CORS preflights from
// the allowed origins. Everything else goes to grafserv (Ruru, when enabled).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiResources } from "./apiResources.ts";
import type { ApiServerOptions } from "./apiServerOptions.ts";
import { addCorsHeaders, answerPreflight } from "./cors.ts";
import { createExportRoute } from "./exportRoute.ts";
import { prereadBodies } from "./gatedGrafserv.ts";
import type { createGraphqlSse } from "./graphqlSse.ts";
import { sendError } from "./httpReplies.ts";
import type { createReadiness } from "./readiness.ts";
import type { RequestAdmission } from "./requestAdmission.ts";
import type { TenantCap } from "./tenantCap.ts";

export interface RouteDeps {
  opts: ApiServerOptions;
  resources: ApiResources;
  admission: RequestAdmission;
  streams: TenantCap;
  sse: ReturnType<typeof createGraphqlSse>;
  ready: ReturnType<typeof createReadiness>;
  grafserv: (req: IncomingMessage, res: ServerResponse) => void;
}

const ROUTES = ["/graphql", "/graphql/stream", "/export", "/healthz", "/readyz"];

export function createRequestHandler(d: RouteDeps) {
  const { opts, resources, admission } = d;
  const corsOrigins = new Set(opts.corsAllowedOrigins ?? []);
  const exportRoute = createExportRoute(admission, resources.service, opts.logger);

  async function readyz(res: ServerResponse): Promise<void> {
    const { embedder } = resources;
    const { ready, checks, defaultRerankVariant } = await d.ready.check();
    // The worker reranks: with an operator's default variant, that is what tenants get; else
    // the RERANK_* settings, as this process sees them (npm start gives both the same).
    const rerank = defaultRerankVariant ? `variant:${defaultRerankVariant}` : (opts.rerankStatus?.() ?? "unknown");
    const body = { ready, ...checks, rerank, embedder: embedder.embedder ? "ready" : (embedder.reason ?? "EMBEDDER_UNAVAILABLE") };
    res.writeHead(ready ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(body));
  }

  async function stream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST" && req.method !== "GET") return sendError(res, 405, "BAD_REQUEST", "use POST or GET", { allow: "GET, POST" });
    // graphql-sse's distinct connections mode: the client asks for an event stream.
    if (!(req.headers.accept ?? "").split(",").some((t) => t.split(";")[0]!.trim() === "text/event-stream")) {
      return sendError(res, 406, "BAD_REQUEST", "accept: text/event-stream is required on /graphql/stream");
    }
    const body = await admission.admitRequest(req, res, true);
    if (!body) return;
    const tenant = admission.tenants.get(req)!;
    const closeStream = d.streams.open(tenant.userHash);
    if (!closeStream) {
      resources.metrics.errorsByCode.inc({ code: "SUBSCRIPTION_LIMIT" });
      return sendError(res, 429, "SUBSCRIPTION_LIMIT", `at most ${d.streams.maxPerTenant} open subscriptions and streams per user`, { "retry-after": "1" });
    }
    res.once("close", closeStream);
    req.headers.accept = "text/event-stream"; // graphql-sse matches the header exactly
    await d.sse.serve(req, res, body, tenant.exp);
  }

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === "OPTIONS") {
      // A CORS preflight from an allowed origin; any other OPTIONS is a coded refusal.
      if (answerPreflight(req, res, corsOrigins)) return;
      return sendError(res, 405, "BAD_REQUEST", "OPTIONS answers CORS preflights from the origins in CORS_ALLOWED_ORIGINS only", { allow: "GET, POST" });
    }
    addCorsHeaders(req, res, corsOrigins);
    if (path === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    if (path === "/readyz") return readyz(res);
    if (path === "/export") return exportRoute(req, res);
    if (path === "/graphql/stream") return stream(req, res);
    if (path === "/graphql" && (req.method === "POST" || req.method === "GET")) {
      const body = await admission.admitRequest(req, res, false);
      if (!body) return;
      if (req.method === "POST") prereadBodies.set(req, body);
    }
    d.grafserv(req, res);
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0]!;
    res.on("finish", () => {
      const labels = { route: ROUTES.includes(path) ? path : "other", operation: path.startsWith("/graphql") ? (admission.operations.get(req) ?? "none") : "", status: String(res.statusCode) };
      resources.metrics.requests.observe(labels, (performance.now() - started) / 1000);
    });
    try {
      await route(req, res, path);
    } catch (err) {
      opts.logger.error({ code: (err as { code?: string }).code ?? "INTERNAL", route: path }, "request failed");
      if (!res.headersSent) sendError(res, 500, "INTERNAL", "Internal error");
      else res.end();
    }
  };
}
