// CORS for browser applications on other origins: only the origins the operator lists
// (CORS_ALLOWED_ORIGINS; none by default, so a browser on another origin is refused). A
// preflight from a listed origin gets 204 with what GraphQL-over-HTTP and graphql-sse clients
// send; from any other origin, or without Access-Control-Request-Method, a coded 405.
// Credentials are never allowed: the token travels in the authorization header, not a cookie.
import type { IncomingMessage, ServerResponse } from "node:http";

const ALLOWED_METHODS = "GET, POST";
const ALLOWED_HEADERS = "authorization, content-type, accept";

/** The origin to answer, when the request comes from an allowed one. */
function allowedOrigin(req: IncomingMessage, allowed: ReadonlySet<string>): string | undefined {
  const origin = req.headers.origin;
  return typeof origin === "string" && allowed.has(origin) ? origin : undefined;
}

/** CORS headers on an actual request from an allowed origin (set before the response is written). */
export function addCorsHeaders(req: IncomingMessage, res: ServerResponse, allowed: ReadonlySet<string>): void {
  res.setHeader("vary", "Origin");
  const origin = allowedOrigin(req, allowed);
  if (!origin) return;
  res.setHeader("access-control-allow-origin", origin);
  res.setHeader("access-control-expose-headers", "retry-after");
}

/** Answers a preflight from an allowed origin; false when the caller must refuse the OPTIONS. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, allowed: ReadonlySet<string>): boolean {
  const origin = allowedOrigin(req, allowed);
  if (!origin || typeof req.headers["access-control-request-method"] !== "string") return false;
  res.writeHead(204, {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": ALLOWED_METHODS,
    "access-control-allow-headers": ALLOWED_HEADERS,
    "access-control-max-age": "600",
    vary: "Origin",
  });
  res.end();
  return true;
}
