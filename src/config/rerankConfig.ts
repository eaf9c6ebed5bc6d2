// Cross-encoder reranking: the process's own configured reranker (a local model or a
// remote server), its budget and breaker, and which remote scorers rollout variants may use.
import os from "node:os";
import path from "node:path";
import { homeDir } from "./processConfig.ts";
import { bool, filePath, httpUrl, int, list, oneOf, readSettings, text, type Env } from "./settings.ts";

export const RERANK_SETTINGS = {
  RERANK_ENABLED: bool("false turns cross-encoder scoring off (callers get ANN order, reason disabled).", true),
  RERANK_MODEL_DIR: filePath("model.onnx + tokenizer.json (Hugging Face / Optimum layout).", (env) => path.join(homeDir(env), "models", "ms-marco-TinyBERT-L2-v2"), "MEMVAULT_HOME/models/ms-marco-TinyBERT-L2-v2"),
  RERANK_MODEL_FILE: text(
    "The ONNX file in RERANK_MODEL_DIR to run: model.onnx (fp32), an int8 export such as onnx/model_qint8_avx512_vnni.onnx, or auto (the best int8 export present for this CPU); one the CPU cannot run falls back to model.onnx with a warning.",
    "model.onnx",
    (v) => (v === "auto" || (/^[A-Za-z0-9_][A-Za-z0-9_./-]*\.onnx$/.test(v) && !v.split("/").includes("..")) ? undefined : "must be auto or a .onnx file inside RERANK_MODEL_DIR (a relative path)"),
  ),
  RERANK_URL: httpUrl("A text-embeddings-inference server (/rerank); when set it scores instead of the local model."),
  RERANK_REMOTE_ALLOWED_URLS: list(
    "Comma-separated http(s) URLs under which a rollout variant's remote scorer may be (same origin, path at or below). Read by the worker, never from the database; unset, variants must be local models.",
    (u) => (/^https?:\/\/[^/]/.test(u) && URL.canParse(u) ? undefined : `'${u.slice(0, 100)}' is not an http(s) URL`),
  ),
  RERANK_DEVICE: oneOf("Where the local model runs (cuda falls back to the CPU with a warning).", ["cpu", "cuda"], "cpu"),
  RERANK_THREADS: int("ONNX Runtime intra-op threads (one request's latency is what callers wait on).", () => Math.min(4, os.availableParallelism()), 1, 64, "the cores, at most 4"),
  RERANK_BATCH_SIZE: int("Pairs per inference call, sorted by length so each batch pads to its own longest.", 8, 1, 1024),
  RERANK_MAX_LENGTH: int("Tokens per (query, text) pair; the text is truncated.", 256, 16, 512),
  RERANK_BUDGET_MS: int("Per-request scoring budget; past it the caller gets ANN order (reason timeout).", 250, 1, 60_000),
  RERANK_BREAKER_FAILURES: int("The breaker opens after this many failures within the window.", 5, 1, 1_000),
  RERANK_BREAKER_WINDOW_MS: int("The breaker's window.", 30_000, 100, 3_600_000),
  RERANK_BREAKER_COOLDOWN_MS: int("An open breaker lets a probe through after this long.", 10_000, 10, 3_600_000),
  RERANK_RETENTION_SECONDS: int("Search requests older than this are deleted.", 3_600, 1, 30 * 86_400),
};

export const readRerankConfig = (env: Env = process.env) => {
  const c = readSettings(RERANK_SETTINGS, env);
  return { ...c, breaker: { failures: c.RERANK_BREAKER_FAILURES, windowMs: c.RERANK_BREAKER_WINDOW_MS, cooldownMs: c.RERANK_BREAKER_COOLDOWN_MS } };
};
