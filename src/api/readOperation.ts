// An HTTP request's GraphQL operation: a JSON body (POST, size-capped, no batches) or the
// query string (GET), as GraphQL-over-HTTP and graphql-sse clients send it.
import type { IncomingMessage } from "node:http";
import querystring from "node:querystring";
import { GateError } from "./checkOperation.ts";

/** The request body as JSON, at most maxBytes; refuses batches (a JSON array) and anything not an object. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") throw new GateError("BAD_REQUEST", "send GraphQL as application/json", 415);
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) throw new GateError("QUERY_TOO_LARGE", `request body larger than ${maxBytes} bytes`, 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new GateError("QUERY_TOO_LARGE", `request body larger than ${maxBytes} bytes`, 413);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new GateError("BAD_REQUEST", "request body is not JSON");
  }
  if (Array.isArray(body)) throw new GateError("BATCH_NOT_SUPPORTED", "batched operations are not supported: send one operation per request");
  if (typeof body !== "object" || body === null) throw new GateError("BAD_REQUEST", "request body must be a JSON object");
  return body as Record<string, unknown>;
}

const GET_PARAMETERS = new Set(["query", "variables", "operationName", "extensions"]);

/**
 * A GET request's operation, as GraphQL-over-HTTP puts it in the query string, read exactly
 * as the executors will read it: grafserv parses the raw text after the first `?` with
 * node:querystring, graphql-sse the text between the first and a second `?` with
 * URLSearchParams, and WHATWG URL parsing (which drops a `#…`) would see yet another
 * operation. So a request-target that parsers could split differently is refused: a `#`, a
 * second `?`, a repeated or unknown parameter, or any text the two parsers read apart.
 */
export function queryParams(url: string): Record<string, unknown> {
  if (url.includes("#")) throw new GateError("BAD_REQUEST", "a GET request-target may not contain '#': percent-encode it (%23)");
  const q = url.indexOf("?");
  const search = q < 0 ? "" : url.slice(q + 1);
  if (search.includes("?")) throw new GateError("BAD_REQUEST", "a GET request-target may contain one '?': percent-encode the others (%3F)");
  const grafserv = querystring.parse(search);
  const sse = new URLSearchParams(search);
  const keys = new Set([...Object.keys(grafserv), ...sse.keys()]);
  for (const key of keys) {
    if (!GET_PARAMETERS.has(key)) throw new GateError("BAD_REQUEST", `unknown GET parameter '${key.slice(0, 40)}': send query, variables, operationName or extensions`);
    const value = grafserv[key];
    if (Array.isArray(value) || sse.getAll(key).length !== 1) throw new GateError("BAD_REQUEST", `GET parameter '${key}' given more than once`);
    if (value !== sse.get(key)) throw new GateError("BAD_REQUEST", `GET parameter '${key}' is not percent-encoded unambiguously`);
  }
  const params = sse;
  let variables: unknown;
  const raw = params.get("variables");
  if (raw) {
    try {
      variables = JSON.parse(raw);
    } catch {
      throw new GateError("BAD_REQUEST", "variables is not JSON");
    }
  }
  return { query: params.get("query") ?? undefined, variables, operationName: params.get("operationName") ?? undefined };
}
