// Embedders for tests: a generated model folder loaded as the API and worker load theirs.
import type { Registry } from "prom-client";
import { loadBiEncoder } from "../../src/embed/biEncoder.ts";
import { instrumentEmbedder, type EmbedderHandle } from "../../src/embed/createEmbedderFromConfig.ts";
import { createEmbedMetrics } from "../../src/embed/embedMetrics.ts";

/** An ApiServerOptions.createEmbedder that loads the model in dir (384 dimensions). */
export const embedderFromDir =
  (dir: string) =>
  async (registry: Registry): Promise<EmbedderHandle> =>
    instrumentEmbedder(await loadBiEncoder({ modelDir: dir, maxLength: 128, batchSize: 16, threads: 1, device: "cpu" }), undefined, 384, createEmbedMetrics(registry));
