// A cross-encoder in the Hugging Face / Optimum export layout (model.onnx + tokenizer.json,
// the int8 exports under onnx/), run with ONNX Runtime. Pairs are encoded [CLS] query [SEP]
// text [SEP], the text truncated (OnlySecond) to maxLength, by the ASCII WordPiece fast path
// where it answers and the tokenizers library otherwise; micro-batches are formed from pairs
// sorted by length and padded only to the longest pair in each, so short candidates do not
// pay for long ones.
import fs from "node:fs";
import path from "node:path";
import { Tokenizer, type TruncationStrategy } from "tokenizers";
import { loadAsciiWordPiece } from "../onnx/asciiWordPiece.ts";
import { detectCpuFeatures, type CpuFeatures } from "../onnx/cpuFeatures.ts";
import { createOnnxSession, type OnnxSessionOptions } from "../onnx/createOnnxSession.ts";
import { paddedBatch } from "../onnx/paddedBatch.ts";
import { chooseRerankModelFile, FP32_MODEL_FILE, type Precision } from "./chooseRerankModelFile.ts";
import { RerankError } from "./rerankError.ts";
import type { Scorer } from "./scorer.ts";

/** Where the model is and how to run it: ONNX Runtime's threads and device come from OnnxSessionOptions. */
export interface CrossEncoderOptions extends OnnxSessionOptions {
  modelDir: string;
  /** RERANK_MODEL_FILE: relative to modelDir, or "auto"; default model.onnx (fp32). */
  modelFile?: string;
  maxLength: number;
  batchSize: number;
  /** Default: this machine's (tests pass others). */
  cpu?: CpuFeatures;
  /** Told why the fp32 model.onnx runs instead of the file asked for. */
  onModelFallback?: (reason: string, cause?: unknown) => void;
}

/** Where one score() call spent its time (ms): docs/benchmarks.md's profile_* metrics. */
export interface ScoreTimings {
  tokenize: number;
  tensors: number;
  run: number;
}

export interface CrossEncoder extends Scorer {
  device: "cpu" | "cuda";
  /** The ONNX file that runs, relative to the model directory, and its weights' precision. */
  file: string;
  precision: Precision;
  encode(query: string, texts: string[]): Promise<EncodedPair[]>;
  scoreTimed(query: string, texts: string[]): Promise<{ scores: number[]; timings: ScoreTimings }>;
}

export interface EncodedPair {
  ids: number[];
  typeIds: number[];
}

function loadTokenizer(tokenizerFile: string, maxLength: number): Tokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromFile(tokenizerFile);
  } catch (err) {
    throw new RerankError("RERANK_BAD_MODEL", `cannot load ${tokenizerFile}`, { cause: err });
  }
  tokenizer.setTruncation(maxLength, { strategy: "OnlySecond" as TruncationStrategy });
  tokenizer.disablePadding();
  return tokenizer;
}

/** The chosen ONNX file's session; a broken int8 file still leaves the fp32 model to rerank with. */
async function loadSession(opts: CrossEncoderOptions, chosen: ReturnType<typeof chooseRerankModelFile>) {
  let choice = chosen;
  let modelFile = path.join(opts.modelDir, choice.file);
  let loaded: Awaited<ReturnType<typeof createOnnxSession>>;
  try {
    loaded = await createOnnxSession(modelFile, opts);
  } catch (err) {
    if (choice.file === FP32_MODEL_FILE) throw new RerankError("RERANK_BAD_MODEL", `cannot load ${modelFile}`, { cause: err });
    opts.onModelFallback?.(`cannot load ${choice.file}`, err);
    choice = { file: FP32_MODEL_FILE, precision: "fp32" };
    modelFile = path.join(opts.modelDir, FP32_MODEL_FILE);
    try {
      loaded = await createOnnxSession(modelFile, opts);
    } catch (err2) {
      throw new RerankError("RERANK_BAD_MODEL", `cannot load ${modelFile}`, { cause: err2 });
    }
  }
  for (const input of ["input_ids", "attention_mask", "token_type_ids"]) {
    if (!loaded.session.inputNames.includes(input)) throw new RerankError("RERANK_BAD_MODEL", `${modelFile} has no input ${input}`);
  }
  if (!loaded.session.outputNames.includes("logits")) throw new RerankError("RERANK_BAD_MODEL", `${modelFile} has no output logits`);
  return { ...loaded, choice };
}

export async function loadCrossEncoder(opts: CrossEncoderOptions): Promise<CrossEncoder> {
  const chosen = chooseRerankModelFile(opts.modelDir, opts.modelFile ?? FP32_MODEL_FILE, opts.cpu ?? detectCpuFeatures());
  if (chosen.fallback) opts.onModelFallback?.(chosen.fallback);
  const tokenizerFile = path.join(opts.modelDir, "tokenizer.json");
  for (const file of [path.join(opts.modelDir, chosen.file), tokenizerFile]) {
    if (!fs.existsSync(file)) {
      throw new RerankError("RERANK_NO_MODEL", `no cross-encoder model: ${file} is missing (memvault model fetch, or set RERANK_MODEL_DIR)`);
    }
  }
  const tokenizer = loadTokenizer(tokenizerFile, opts.maxLength);
  const fast = loadAsciiWordPiece(tokenizerFile);
  const { session, device, choice } = await loadSession(opts, chosen);

  const encode = async (query: string, texts: string[]): Promise<EncodedPair[]> => {
    const quickPair = fast?.forQuery(query, opts.maxLength);
    return Promise.all(
      texts.map(async (t) => {
        const quick = quickPair?.(t);
        if (quick) return quick;
        const e = await tokenizer.encode(query, t);
        return { ids: e.getIds(), typeIds: e.getTypeIds() };
      }),
    );
  };

  const scoreTimed = async (query: string, texts: string[]) => {
    const timings: ScoreTimings = { tokenize: 0, tensors: 0, run: 0 };
    if (texts.length === 0) return { scores: [], timings };
    let t = performance.now();
    const lap = (stage: keyof ScoreTimings) => {
      const now = performance.now();
      timings[stage] += now - t;
      t = now;
    };
    const pairs = await encode(query, texts);
    const order = pairs.map((_, i) => i).sort((a, b) => pairs[a]!.ids.length - pairs[b]!.ids.length);
    lap("tokenize");
    const scores = new Array<number>(texts.length);
    for (let start = 0; start < order.length; start += opts.batchSize) {
      const batch = order.slice(start, start + opts.batchSize);
      const feeds = paddedBatch(batch.map((i) => pairs[i]!));
      lap("tensors");
      const out = await session.run({ input_ids: feeds.input_ids, attention_mask: feeds.attention_mask, token_type_ids: feeds.token_type_ids });
      const logits = out.logits!.data as Float32Array;
      batch.forEach((original, row) => (scores[original] = logits[row]!));
      lap("run");
    }
    return { scores, timings };
  };

  return {
    name: `onnx:${path.basename(opts.modelDir)}${choice.precision === "int8" ? ":int8" : ""}`,
    device,
    file: choice.file,
    precision: choice.precision,
    encode,
    scoreTimed,
    score: async (query, texts) => (await scoreTimed(query, texts)).scores,
    close: () => session.release(),
  };
}
