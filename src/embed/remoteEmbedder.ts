// A text-embeddings-inference server's /embed endpoint (GPU fleets): request
// {inputs, normalize, truncate}, response [[float, ...], ...] in input order.
import { postToTei, teiEndpoint } from "../teiRequest.ts";
import { EmbedError, normalize, type Embedder } from "./embedder.ts";

/** One finite vector per text, all of one length; else undefined (malformed). */
function vectorsFrom(body: unknown, count: number): number[][] | undefined {
  const ok = Array.isArray(body) && body.length === count && body.every((v) => Array.isArray(v) && v.length > 0 && v.length === (body[0] as unknown[]).length && v.every((x) => typeof x === "number" && Number.isFinite(x)));
  return ok ? (body as number[][]) : undefined;
}

export function createRemoteEmbedder(baseUrl: string, opts: { timeoutMs: number }): Embedder {
  const url = teiEndpoint(baseUrl, "embed");
  return {
    name: `tei:${url.host}`,
    async embed(texts) {
      if (texts.length === 0) return [];
      const outcome = await postToTei(url, { inputs: texts, normalize: true, truncate: true }, opts.timeoutMs);
      if (outcome.kind === "timeout" || outcome.kind === "unreachable") {
        const timeout = outcome.kind === "timeout";
        throw new EmbedError(timeout ? "EMBED_TIMEOUT" : "EMBEDDER_REMOTE", `embedding server ${url.host} ${timeout ? "timed out" : "unreachable"}`, { cause: outcome.cause });
      }
      if (outcome.kind === "status") throw new EmbedError("EMBEDDER_REMOTE", `embedding server ${url.host} answered ${outcome.status}`);
      const vectors = vectorsFrom(outcome.body, texts.length);
      if (!vectors) throw new EmbedError("EMBEDDER_REMOTE", `embedding server ${url.host} returned a malformed answer`);
      return vectors.map((v) => normalize(Float32Array.from(v)));
    },
    close: async () => {},
  };
}
