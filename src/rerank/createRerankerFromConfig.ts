// The reranker a process runs with: RERANK_URL's server, else the local ONNX model. A
// missing or broken model is a clear log line and fail-open skips (no_model), never a
// crashed worker.
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { readRerankConfig } from "../config/rerankConfig.ts";
import { detectCpuFeatures } from "../onnx/cpuFeatures.ts";
import { chooseRerankModelFile, describeCpu } from "./chooseRerankModelFile.ts";
import { loadCrossEncoder } from "./crossEncoder.ts";
import { createRemoteScorer } from "./remoteScorer.ts";
import { createLoggedReranker, type Reranker } from "./reranker.ts";
import { RerankError } from "./rerankError.ts";
import { createRerankMetrics, type RerankMetrics } from "./rerankMetrics.ts";
import type { Scorer } from "./scorer.ts";

/** What the configuration asks for, without loading anything (for /readyz). */
export function rerankConfigState(): "disabled" | "remote" | "model" | "no_model" {
  const rerank = readRerankConfig();
  if (!rerank.RERANK_ENABLED) return "disabled";
  if (rerank.RERANK_URL) return "remote";
  const dir = rerank.RERANK_MODEL_DIR;
  return fs.existsSync(path.join(dir, chooseRerankModelFile(dir, rerank.RERANK_MODEL_FILE, detectCpuFeatures()).file)) ? "model" : "no_model";
}

let processMetrics: RerankMetrics | undefined;

/** This process's rerank metrics: calls, skips by reason, latency p50/p95/p99, breaker state. */
export function getRerankMetrics() {
  return processMetrics?.snapshot();
}

export async function createRerankerFromConfig(registry: Registry, logger: Logger): Promise<{ reranker: Reranker; metrics: RerankMetrics; scorer?: Scorer }> {
  const rerank = readRerankConfig();
  const metrics = createRerankMetrics(registry);
  processMetrics = metrics;
  let scorer: Scorer | undefined;
  const url = rerank.RERANK_URL;
  if (url) {
    scorer = createRemoteScorer(url, { timeoutMs: rerank.RERANK_BUDGET_MS * 4 });
  } else {
    try {
      const encoder = await loadCrossEncoder({
        modelDir: rerank.RERANK_MODEL_DIR,
        modelFile: rerank.RERANK_MODEL_FILE,
        maxLength: rerank.RERANK_MAX_LENGTH,
        batchSize: rerank.RERANK_BATCH_SIZE,
        threads: rerank.RERANK_THREADS,
        device: rerank.RERANK_DEVICE,
        onDeviceFallback: () => {
          metrics.deviceFallbacks.inc();
          logger.warn("RERANK_DEVICE=cuda: the CUDA execution provider did not load; scoring on the CPU");
        },
        onModelFallback: (reason) => {
          metrics.modelFallbacks.inc();
          logger.warn({ cpu: describeCpu(detectCpuFeatures()) }, `${reason}; scoring with the fp32 model.onnx`);
        },
      });
      metrics.modelInfo.set({ file: encoder.file, precision: encoder.precision }, 1);
      logger.info({ file: encoder.file, precision: encoder.precision, device: encoder.device }, "cross-encoder loaded");
      scorer = encoder;
    } catch (err) {
      if (!(err instanceof RerankError)) throw err;
      logger.warn({ code: err.code }, `reranking off: ${err.message}; searches return ANN order (skip reason no_model)`);
    }
  }
  if (scorer) logger.info({ scorer: scorer.name }, "reranking with a cross-encoder");
  const reranker = createLoggedReranker({ scorer, enabled: () => rerank.RERANK_ENABLED, breaker: rerank.breaker, metrics, logger });
  return { reranker, metrics, ...(scorer ? { scorer } : {}) };
}
