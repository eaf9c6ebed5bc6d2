// A cross-encoder in the Hugging Face / Optimum export layout (model.onnx + tokenizer.json),
// run with ONNX Runtime. Pairs are encoded [CLS] query [SEP] text [SEP], the text truncated
// (OnlySecond) to maxLength; micro-batches are formed from pairs sorted by length and padded
// only to the longest pair in each, so short candidates do not pay for long ones.
import fs from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { Tokenizer, type TruncationStrategy } from "tokenizers";
import { createOnnxSession, type OnnxSessionOptions } from "../onnx/createOnnxSession.ts";
import { paddedBatch } from "../onnx/paddedBatch.ts";
import { RerankError } from "./rerankError.ts";
import type { Scorer } from "./scorer.ts";

/** Where the model is and how to run it: ONNX Runtime's threads and device come from OnnxSessionOptions. */
export interface CrossEncoderOptions extends OnnxSessionOptions {
  modelDir: string;
  maxLength: number;
  batchSize: number;
}

export interface EncodedPair {
  ids: number[];
  typeIds: number[];
}

export async function loadCrossEncoder(opts: CrossEncoderOptions): Promise<Scorer & { device: "cpu" | "cuda"; encode(query: string, texts: string[]): Promise<EncodedPair[]> }> {
  const modelFile = path.join(opts.modelDir, "model.onnx");
  const tokenizerFile = path.join(opts.modelDir, "tokenizer.json");
  for (const file of [modelFile, tokenizerFile]) {
    if (!fs.existsSync(file)) {
      throw new RerankError("RERANK_NO_MODEL", `no cross-encoder model: ${file} is missing (memvault model fetch, or set RERANK_MODEL_DIR)`);
    }
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromFile(tokenizerFile);
  } catch (err) {
    throw new RerankError("RERANK_BAD_MODEL", `cannot load ${tokenizerFile}`, { cause: err });
  }
  tokenizer.setTruncation(opts.maxLength, { strategy: "OnlySecond" as TruncationStrategy });
  tokenizer.disablePadding();

  let device: "cpu" | "cuda";
  let session: ort.InferenceSession;
  try {
    ({ session, device } = await createOnnxSession(modelFile, opts));
  } catch (err) {
    throw new RerankError("RERANK_BAD_MODEL", `cannot load ${modelFile}`, { cause: err });
  }
  for (const input of ["input_ids", "attention_mask", "token_type_ids"]) {
    if (!session.inputNames.includes(input)) throw new RerankError("RERANK_BAD_MODEL", `${modelFile} has no input ${input}`);
  }
  if (!session.outputNames.includes("logits")) throw new RerankError("RERANK_BAD_MODEL", `${modelFile} has no output logits`);

  const encode = async (query: string, texts: string[]): Promise<EncodedPair[]> => {
    const encodings = await Promise.all(texts.map((t) => tokenizer.encode(query, t)));
    return encodings.map((e) => ({ ids: e.getIds(), typeIds: e.getTypeIds() }));
  };

  const runBatch = async (pairs: EncodedPair[]): Promise<Float32Array> => {
    const { input_ids, attention_mask, token_type_ids } = paddedBatch(pairs);
    const out = await session.run({ input_ids, attention_mask, token_type_ids });
    return out.logits!.data as Float32Array;
  };

  return {
    name: `onnx:${path.basename(opts.modelDir)}`,
    device,
    encode,
    async score(query, texts) {
      if (texts.length === 0) return [];
      const pairs = await encode(query, texts);
      const order = pairs.map((_, i) => i).sort((a, b) => pairs[a]!.ids.length - pairs[b]!.ids.length);
      const scores = new Array<number>(texts.length);
      for (let start = 0; start < order.length; start += opts.batchSize) {
        const batch = order.slice(start, start + opts.batchSize);
        const logits = await runBatch(batch.map((i) => pairs[i]!));
        batch.forEach((original, row) => (scores[original] = logits[row]!));
      }
      return scores;
    },
    close: () => session.release(),
  };
}
