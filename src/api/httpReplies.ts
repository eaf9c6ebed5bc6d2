// The API's refusals over HTTP: a GraphQL-shaped error body with a stable code.
import type { ServerResponse } from "node:http";
import { RateLimitedError } from "./tenantRateLimits.ts";
import type { OverloadedError } from "./memoryBucket.ts";

export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}, extensions: Record<string, unknown> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify({ errors: [{ message, extensions: { ...extensions, code } }] }));
}

/** A refusal of the whole request: 429 / 503 with Retry-After (seconds) and retryAfterMs in the error. */
export function sendRetryLater(res: ServerResponse, err: RateLimitedError | OverloadedError): void {
  sendError(res, err instanceof RateLimitedError ? 429 : 503, err.code, err.message, { "retry-after": String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))) }, err.extensions);
}
