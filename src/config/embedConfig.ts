// Server-side embedding: a local bi-encoder, a text-embeddings-inference server, or (in
// development) the word-hash embedder; and how long the API may spend on a query.
import os from "node:os";
import path from "node:path";
import { homeDir } from "./processConfig.ts";
import { bool, filePath, httpUrl, int, oneOf, readSettings, rawValue, type Env } from "./settings.ts";

export const EMBED_SETTINGS = {
  EMBEDDER_MODEL_DIR: filePath(
    "A bi-encoder in the sentence-transformers ONNX layout (onnx/model.onnx, tokenizer.json, 1_Pooling/config.json).",
    (env) => path.join(homeDir(env), "models", "all-MiniLM-L6-v2"),
    "MEMVAULT_HOME/models/all-MiniLM-L6-v2",
  ),
  EMBEDDER_URL: httpUrl("A text-embeddings-inference server (/embed); when set it embeds instead of the local model."),
  EMBEDDER_WORDHASH: bool("Embed with the development word-hash embedder (texts sharing words are close; not semantic). `npm start` sets it on the local cluster when no embedder is configured or installed.", false),
  EMBEDDER_DEVICE: oneOf("Where the local model runs (cuda falls back to the CPU with a warning).", ["cpu", "cuda"], "cpu"),
  EMBEDDER_THREADS: int("ONNX Runtime intra-op threads for embedding.", () => Math.min(4, os.availableParallelism()), 1, 64, "the cores, at most 4"),
  EMBEDDER_BATCH_SIZE: int("Texts per inference call.", 16, 1, 1024),
  EMBEDDER_MAX_LENGTH: int("Tokens per text; longer texts are truncated for embedding only (the text is stored whole).", 256, 8, 8192),
  EMBED_QUERY_BUDGET_MS: int("How long the API may spend embedding a search query; past it the search fails with EMBED_TIMEOUT.", 1_000, 1, 60_000),
  EMBED_BATCH_SIZE: int("Text-only memories one seal transaction embeds at most (they hold their rows' locks meanwhile).", 32, 1, 1_000),
};

export const readEmbedConfig = (env: Env = process.env) => readSettings(EMBED_SETTINGS, env);

/** Whether an embedder is configured at all (npm start picks the development one only when none is). */
export const embedderConfigured = (env: Env = process.env) => ["EMBEDDER_MODEL_DIR", "EMBEDDER_URL", "EMBEDDER_WORDHASH"].some((v) => rawValue(env, v) !== undefined);
