// The embedder a process runs with: EMBEDDER_URL's server, else the local model. A missing
// model is a log line and an unavailable embedder (text-only writes wait, text-only
// searches fail with EMBEDDER_UNAVAILABLE), never a crashed process; a model whose
// dimension is not EMBEDDING_DIM stops the start, naming both numbers.
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { readDbConfig } from "../config/dbConfig.ts";
import { readEmbedConfig } from "../config/embedConfig.ts";
import { ConfigError } from "../config/configError.ts";
import { loadBiEncoder } from "./biEncoder.ts";
import { EmbedError, type Embedder } from "./embedder.ts";
import { createEmbedMetrics, type EmbedMetrics } from "./embedMetrics.ts";
import { createRemoteEmbedder } from "./remoteEmbedder.ts";
import { createWordHashEmbedder } from "./wordHashEmbedder.ts";

export interface EmbedderHandle {
  /** undefined when none could be loaded: `reason` says why. */
  embedder?: Embedder;
  reason?: "EMBEDDER_UNAVAILABLE" | "EMBEDDER_BAD_MODEL";
  /** Embeds within a time budget: EMBED_TIMEOUT past it; EMBEDDER_UNAVAILABLE without an embedder. */
  embed(texts: string[], budgetMs: number): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** Counts, times and checks every call: a vector of the wrong dimension is an error, never written. */
export function instrumentEmbedder(inner: Embedder | undefined, reason: EmbedderHandle["reason"], dims: number, metrics: EmbedMetrics): EmbedderHandle {
  metrics.up.set(inner ? 1 : 0);
  return {
    ...(inner ? { embedder: inner } : {}),
    ...(reason ? { reason } : {}),
    async embed(texts, budgetMs) {
      if (!inner) throw new EmbedError(reason ?? "EMBEDDER_UNAVAILABLE", "no embedder is configured: send an embedding, or configure EMBEDDER_MODEL_DIR / EMBEDDER_URL");
      const end = metrics.seconds.startTimer();
      let timer: NodeJS.Timeout | undefined;
      try {
        const vectors = await Promise.race([
          inner.embed(texts),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new EmbedError("EMBED_TIMEOUT", `embedding took longer than ${budgetMs} ms`)), budgetMs))),
        ]);
        if (vectors.length !== texts.length || vectors.some((v) => v.length !== dims)) {
          throw new EmbedError("EMBEDDER_BAD_MODEL", `the embedder returned vectors that are not ${dims}-dimensional (EMBEDDING_DIM)`);
        }
        end();
        metrics.texts.inc(texts.length);
        return vectors;
      } catch (err) {
        const coded = err instanceof EmbedError ? err : new EmbedError("EMBED_FAILED", "embedding failed", { cause: err });
        metrics.failures.inc({ code: coded.code });
        throw coded;
      } finally {
        clearTimeout(timer);
      }
    },
    close: async () => inner?.close(),
  };
}

export async function createEmbedderFromConfig(registry: Registry, logger: Logger): Promise<EmbedderHandle> {
  const embed = readEmbedConfig();
  const metrics = createEmbedMetrics(registry);
  const dims = readDbConfig().EMBEDDING_DIM;
  if (embed.EMBEDDER_WORDHASH) {
    logger.warn("EMBEDDER_WORDHASH: embedding with the development word-hash embedder (texts sharing words are close; not a semantic model)");
    return instrumentEmbedder(createWordHashEmbedder(dims), undefined, dims, metrics);
  }
  const url = embed.EMBEDDER_URL;
  if (url) {
    const remote = createRemoteEmbedder(url, { timeoutMs: 30_000 });
    // Probed once: a server that is down now may be up later (calls fail with a code
    // meanwhile), but one that answers with the wrong dimension is misconfigured.
    const probe = await remote.embed(["dimension probe"]).catch((err: unknown) => {
      logger.warn({ code: (err as { code?: string }).code }, "embedding server not answering yet; text-only writes wait until it does");
      return undefined;
    });
    if (probe && probe[0]!.length !== dims) {
      throw new ConfigError("EMBEDDER_URL", `the server embeds into ${probe[0]!.length} dimensions, but EMBEDDING_DIM is ${dims}`);
    }
    logger.info({ embedder: remote.name }, "embedding with a text-embeddings-inference server");
    return instrumentEmbedder(remote, undefined, dims, metrics);
  }
  const modelDir = embed.EMBEDDER_MODEL_DIR;
  try {
    const model = await loadBiEncoder({
      modelDir,
      maxLength: embed.EMBEDDER_MAX_LENGTH,
      batchSize: embed.EMBEDDER_BATCH_SIZE,
      threads: embed.EMBEDDER_THREADS,
      device: embed.EMBEDDER_DEVICE,
      onDeviceFallback: () => {
        metrics.deviceFallbacks.inc();
        logger.warn("EMBEDDER_DEVICE=cuda: the CUDA execution provider did not load; embedding on the CPU");
      },
    });
    if (model.dims !== dims) {
      await model.close();
      throw new ConfigError("EMBEDDER_MODEL_DIR", `the model in ${modelDir} embeds into ${model.dims} dimensions, but EMBEDDING_DIM is ${dims}`);
    }
    logger.info({ embedder: model.name, pooling: model.pooling, device: model.device }, "embedding with a local bi-encoder");
    return instrumentEmbedder(model, undefined, dims, metrics);
  } catch (err) {
    if (!(err instanceof EmbedError)) throw err;
    logger.warn({ code: err.code }, `server-side embedding off: ${err.message}; text-only memories wait, text-only searches fail with ${err.code}`);
    return instrumentEmbedder(undefined, err.code === "EMBEDDER_BAD_MODEL" ? "EMBEDDER_BAD_MODEL" : "EMBEDDER_UNAVAILABLE", dims, metrics);
  }
}
