// One request to a text-embeddings-inference server (/embed, /rerank): JSON in, JSON out,
// within a deadline. What went wrong is an outcome, not an exception, so that each client
// gives it its own stable code; a body that is not JSON is `undefined`.
export type TeiOutcome = { kind: "answer"; body: unknown } | { kind: "timeout"; cause: unknown } | { kind: "unreachable"; cause: unknown } | { kind: "status"; status: number };

/** The endpoint under a server's base URL (with or without a trailing slash). */
export const teiEndpoint = (baseUrl: string, path: "embed" | "rerank") => new URL(path, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);

export async function postToTei(url: URL, payload: object, timeoutMs: number): Promise<TeiOutcome> {
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload), signal: AbortSignal.timeout(timeoutMs) });
  } catch (cause) {
    return (cause as { name?: string }).name === "TimeoutError" ? { kind: "timeout", cause } : { kind: "unreachable", cause };
  }
  if (!res.ok) return { kind: "status", status: res.status };
  return { kind: "answer", body: (await res.json().catch(() => undefined)) as unknown };
}
