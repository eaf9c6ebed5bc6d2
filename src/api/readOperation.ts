// An HTTP request's GraphQL operation: a JSON body (POST, size-capped, no batches) or the
// query string (GET), as GraphQL-over-HTTP and graphql-sse clients send it.
import type { IncomingMessage } from "node:http";
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

/** A GET request's operation, as GraphQL-over-HTTP puts it in the query string. */
export function queryParams(url: string): Record<string, unknown> {
  const params = new URL(url, "http://localhost").searchParams;
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
