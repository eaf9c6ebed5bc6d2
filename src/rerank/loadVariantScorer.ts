// A rollout variant's scorer: a TEI server, or a local model whose model.onnx must match
// the variant's SHA-256 pin before ONNX Runtime is given it, so that one name means the
// same weights on every worker.
import path from "node:path";
import { loadCrossEncoder } from "./crossEncoder.ts";
import { createRemoteScorer } from "./remoteScorer.ts";
import { RerankError } from "./rerankError.ts";
import type { RerankVariant } from "./rerankVariant.ts";
import type { Scorer } from "./scorer.ts";
import { sha256File } from "./sha256File.ts";


export async function loadVariantScorer(v: RerankVariant, device: "cpu" | "cuda"): Promise<Scorer> {
  if (v.remoteUrl) return createRemoteScorer(v.remoteUrl, { timeoutMs: v.budgetMs * 4 });
  if (!v.modelDir) throw new RerankError("RERANK_BAD_INPUT", `variant ${v.name} names neither a model directory nor a URL`);
  const modelFile = path.join(v.modelDir, "model.onnx");
  let actual: string;
  try {
    actual = await sha256File(modelFile);
  } catch (err) {
    throw new RerankError("RERANK_NO_MODEL", `variant ${v.name}: cannot read ${modelFile}`, { cause: err });
  }
  if (actual !== v.modelSha256) {
    throw new RerankError("RERANK_BAD_MODEL", `variant ${v.name}: ${modelFile} has SHA-256 ${actual}, the variant pins ${v.modelSha256}`);
  }
  const scorer = await loadCrossEncoder({ modelDir: v.modelDir, maxLength: v.maxLength, batchSize: v.batchSize, threads: v.threads, device });
  // ONNX Runtime's first run allocates and plans: pay it here, not in a tenant's budget
  // (a rollout would count it against the treatment).
  try {
    await scorer.score("warm up", ["warm up"]);
  } catch (err) {
    await scorer.close();
    throw new RerankError("RERANK_BAD_MODEL", `variant ${v.name}: ${modelFile} loads but does not run`, { cause: err });
  }
  return scorer;
}
