// A bi-encoder in the sentence-transformers ONNX layout, run with ONNX Runtime:
//   onnx/model.onnx (or model.onnx)   inputs input_ids, attention_mask[, token_type_ids];
//                                     output last_hidden_state (or token_embeddings)
//   tokenizer.json                    a Hugging Face tokenizer
//   1_Pooling/config.json             pooling_mode_mean_tokens or pooling_mode_cls_token
// Texts are truncated to maxLength tokens, sorted by length and padded per micro-batch;
// the pooled vectors are L2-normalised (all-MiniLM-L6-v2 and bge-small-en-v1.5 both are).
import fs from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { Tokenizer } from "tokenizers";
import { createOnnxSession, type OnnxSessionOptions } from "../onnx/createOnnxSession.ts";
import { paddedBatch } from "../onnx/paddedBatch.ts";
import { EmbedError, normalize, type Embedder } from "./embedder.ts";

/** Where the model is and how to run it: ONNX Runtime's threads and device come from OnnxSessionOptions. */
export interface BiEncoderOptions extends OnnxSessionOptions {
  modelDir: string;
  maxLength: number;
  batchSize: number;
}

export type Pooling = "mean" | "cls";

/** The pooling the model folder declares; a folder that declares none (or two) is refused. */
export function readPooling(modelDir: string): Pooling {
  const file = path.join(modelDir, "1_Pooling", "config.json");
  let conf: Record<string, unknown>;
  try {
    conf = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new EmbedError("EMBEDDER_BAD_MODEL", `cannot read ${file}: the sentence-transformers pooling configuration`, { cause: err });
  }
  const modes = Object.entries(conf).filter(([k, v]) => k.startsWith("pooling_mode_") && v === true).map(([k]) => k);
  if (modes.length === 1 && modes[0] === "pooling_mode_mean_tokens") return "mean";
  if (modes.length === 1 && modes[0] === "pooling_mode_cls_token") return "cls";
  throw new EmbedError("EMBEDDER_BAD_MODEL", `${file} asks for pooling ${modes.join(" + ") || "(none)"}: only mean or CLS pooling is supported`);
}

/** Where the ONNX file is: the sentence-transformers repositories keep it under onnx/. */
export function modelFileIn(modelDir: string): string | undefined {
  return [path.join(modelDir, "onnx", "model.onnx"), path.join(modelDir, "model.onnx")].find((f) => fs.existsSync(f));
}

export async function loadBiEncoder(opts: BiEncoderOptions): Promise<Embedder & { device: "cpu" | "cuda"; pooling: Pooling; dims: number }> {
  const modelFile = modelFileIn(opts.modelDir);
  const tokenizerFile = path.join(opts.modelDir, "tokenizer.json");
  if (!modelFile || !fs.existsSync(tokenizerFile)) {
    throw new EmbedError("EMBEDDER_UNAVAILABLE", `no embedding model in ${opts.modelDir} (onnx/model.onnx and tokenizer.json; memvault model fetch, or set EMBEDDER_MODEL_DIR)`);
  }
  const pooling = readPooling(opts.modelDir);
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromFile(tokenizerFile);
  } catch (err) {
    throw new EmbedError("EMBEDDER_BAD_MODEL", `cannot load ${tokenizerFile}`, { cause: err });
  }
  tokenizer.setTruncation(opts.maxLength);
  tokenizer.disablePadding();
  let session: ort.InferenceSession;
  let device: "cpu" | "cuda";
  try {
    ({ session, device } = await createOnnxSession(modelFile, opts));
  } catch (err) {
    throw new EmbedError("EMBEDDER_BAD_MODEL", `cannot load ${modelFile}`, { cause: err });
  }
  for (const input of ["input_ids", "attention_mask"]) {
    if (!session.inputNames.includes(input)) throw new EmbedError("EMBEDDER_BAD_MODEL", `${modelFile} has no input ${input}`);
  }
  const output = ["last_hidden_state", "token_embeddings"].find((o) => session.outputNames.includes(o));
  if (!output) throw new EmbedError("EMBEDDER_BAD_MODEL", `${modelFile} has no output last_hidden_state`);
  const withTypes = session.inputNames.includes("token_type_ids");

  const runBatch = async (batch: number[][]): Promise<Float32Array[]> => {
    const { width, input_ids, attention_mask, token_type_ids } = paddedBatch(batch.map((ids) => ({ ids })));
    const feeds: Record<string, ort.Tensor> = { input_ids, attention_mask, ...(withTypes ? { token_type_ids } : {}) };
    const out = (await session.run(feeds))[output]!;
    const hidden = out.dims[2]!;
    const data = out.data as Float32Array;
    return batch.map((row, r) => {
      const v = new Float32Array(hidden);
      const base = r * width * hidden;
      if (pooling === "cls") {
        v.set(data.subarray(base, base + hidden));
      } else {
        for (let t = 0; t < row.length; t++) {
          const at = base + t * hidden;
          for (let h = 0; h < hidden; h++) v[h]! += data[at + h]!;
        }
        for (let h = 0; h < hidden; h++) v[h]! /= row.length;
      }
      return normalize(v);
    });
  };

  const embed = async (texts: string[]): Promise<Float32Array[]> => {
    if (texts.length === 0) return [];
    const encoded = (await Promise.all(texts.map((t) => tokenizer.encode(t)))).map((e) => e.getIds());
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a]!.length - encoded[b]!.length);
    const vectors = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; start += opts.batchSize) {
      const slice = order.slice(start, start + opts.batchSize);
      let pooled: Float32Array[];
      try {
        pooled = await runBatch(slice.map((i) => encoded[i]!));
      } catch (err) {
        throw err instanceof EmbedError ? err : new EmbedError("EMBED_FAILED", "the embedding model failed", { cause: err });
      }
      slice.forEach((original, row) => (vectors[original] = pooled[row]!));
    }
    return vectors;
  };

  // The dimension is what the model produces, learnt once at load.
  const [probe] = await embed(["dimension probe"]);
  return { name: `onnx:${path.basename(opts.modelDir)}`, device, pooling, dims: probe!.length, embed, close: () => session.release() };
}
