// A text-embeddings-inference server's /embed endpoint (GPU fleets): request
// {inputs, normalize, truncate}, response [[float, ...], ...] in input order.
import { EmbedError, normalize, type Embedder } from "./embedder.ts";

export function createRemoteEmbedder(baseUrl: string, opts: { timeoutMs: number }): Embedder {
  const url = new URL("embed", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  return {
    name: `tei:${url.host}`,
    async embed(texts) {
      if (texts.length === 0) return [];
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ inputs: texts, normalize: true, truncate: true }),
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
      } catch (err) {
        const timeout = (err as { name?: string }).name === "TimeoutError";
        throw new EmbedError(timeout ? "EMBED_TIMEOUT" : "EMBEDDER_REMOTE", `embedding server ${url.host} ${timeout ? "timed out" : "unreachable"}`, { cause: err });
      }
      if (!res.ok) throw new EmbedError("EMBEDDER_REMOTE", `embedding server ${url.host} answered ${res.status}`);
      const body = (await res.json().catch(() => undefined)) as unknown;
      const ok = Array.isArray(body) && body.length === texts.length && body.every((v) => Array.isArray(v) && v.length > 0 && v.length === (body[0] as unknown[]).length && v.every((x) => typeof x === "number" && Number.isFinite(x)));
      if (!ok) throw new EmbedError("EMBEDDER_REMOTE", `embedding server ${url.host} returned a malformed answer`);
      return (body as number[][]).map((v) => normalize(Float32Array.from(v)));
    },
    close: async () => {},
  };
}
