// A rollout variant's scorer: a TEI server, or a local model whose model.onnx must match
// the variant's SHA-256 pin before ONNX Runtime is given it, so that one name means the
// same weights on every worker.
import path from "node:path";
import { loadCrossEncoder } from "./crossEncoder.ts";
import { createRemoteScorer } from "./remoteScorer.ts";
import { RerankError } from "./rerankError.ts";
import type { RerankVariant } from "../rerankVariant.ts";
import type { Scorer } from "./scorer.ts";
import { sha256File } from "./sha256File.ts";

/**
 * Whether url is under one of the allowed URLs: the same origin, and a path at or below the
 * allowed one (so https://scorer.internal never admits https://scorer.internal.example.com).
 */
export function remoteUrlAllowed(url: string, allowed: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return allowed.some((a) => {
    const base = new URL(a);
    const prefix = base.pathname.endsWith("/") ? base.pathname : `${base.pathname}/`;
    return u.origin === base.origin && (u.pathname === base.pathname || u.pathname.startsWith(prefix)) && u.username === "" && u.password === "";
  });
}

/**
 * A variant's scorer. A remote one receives tenants' decrypted queries and candidate texts,
 * so its URL must be on the worker's own allow-list (RERANK_REMOTE_ALLOWED_URLS): the rollout
 * tables that name it are written by the operator role, which must not be able to send every
 * tenant's plaintext to an address of its choosing.
 */
export async function loadVariantScorer(v: RerankVariant, device: "cpu" | "cuda", allowedRemoteUrls: readonly string[] = []): Promise<Scorer> {
  if (v.remoteUrl) {
    if (!remoteUrlAllowed(v.remoteUrl, allowedRemoteUrls)) {
      throw new RerankError("RERANK_REMOTE_NOT_ALLOWED", `variant ${v.name}: its remote scorer is not in RERANK_REMOTE_ALLOWED_URLS`);
    }
    return createRemoteScorer(v.remoteUrl, { timeoutMs: v.budgetMs * 4 });
  }
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
