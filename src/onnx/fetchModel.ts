// `memvault model fetch`: the production models from the Hugging Face hub (resolve URLs),
// each file checked against a SHA-256 pin before anything is moved into place. Nothing is
// trusted on first use: without a pin for every file the command refuses.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { CodedError } from "../codedError.ts";

export type PinName = "model" | "tokenizer" | "pooling" | "rerank-file";

export interface ModelSpec {
  repo: string;
  revision: string;
  /** path: in the repository; installAs: under the model directory; pin: the --sha256-<pin> flag. */
  files: readonly { pin: PinName; path: string; installAs: string }[];
}

/** The reranker: ms-marco-TinyBERT-L-2-v2 (Hugging Face / Optimum layout: model.onnx + tokenizer.json). */
export const RERANKER_MODEL: ModelSpec = {
  repo: "cross-encoder/ms-marco-TinyBERT-L2-v2",
  revision: "main",
  files: [
    { pin: "model", path: "onnx/model.onnx", installAs: "model.onnx" },
    { pin: "tokenizer", path: "tokenizer.json", installAs: "tokenizer.json" },
  ],
};

/** The reranker with one more file of its repository (an int8 export under onnx/), installed at the same relative path. */
export function rerankerWithFile(file: string): ModelSpec {
  return { ...RERANKER_MODEL, files: [...RERANKER_MODEL.files, { pin: "rerank-file", path: file, installAs: file }] };
}

/** The embedder: all-MiniLM-L6-v2 in its sentence-transformers layout (mean pooling, 384 dimensions). */
export const EMBEDDER_MODEL: ModelSpec = {
  repo: "sentence-transformers/all-MiniLM-L6-v2",
  revision: "main",
  files: [
    { pin: "model", path: "onnx/model.onnx", installAs: "onnx/model.onnx" },
    { pin: "tokenizer", path: "tokenizer.json", installAs: "tokenizer.json" },
    { pin: "pooling", path: "1_Pooling/config.json", installAs: "1_Pooling/config.json" },
  ],
};

export class ModelFetchError extends CodedError<"MODEL_NO_PIN" | "MODEL_CHECKSUM" | "MODEL_UNREACHABLE"> {
  override readonly name = "ModelFetchError";
}

export interface FetchOptions {
  endpoint: string;
  model: ModelSpec;
  revision?: string;
  dir: string;
  /** Expected SHA-256 (hex) of each file, by pin name. */
  pins: Partial<Record<PinName, string>>;
  log?: (line: string) => void;
}

export async function fetchModel(opts: FetchOptions): Promise<void> {
  const { model } = opts;
  for (const file of model.files) {
    const pin = opts.pins[file.pin];
    if (!pin || !/^[0-9a-f]{64}$/.test(pin)) throw new ModelFetchError("MODEL_NO_PIN", `no SHA-256 pin for ${file.path}: pass --sha256-${file.pin} (verified out of band)`);
  }
  const revision = opts.revision ?? model.revision;
  const staged: [string, string][] = [];
  try {
    for (const file of model.files) {
      const url = `${opts.endpoint.replace(/\/$/, "")}/${model.repo}/resolve/${revision}/${file.path}`;
      opts.log?.(`fetching ${url}`);
      let res: Response;
      try {
        res = await fetch(url, { redirect: "follow" });
      } catch (err) {
        throw new ModelFetchError("MODEL_UNREACHABLE", `cannot reach ${new URL(url).host} (no network here? copy the files into ${opts.dir} instead)`, { cause: err });
      }
      if (!res.ok) throw new ModelFetchError("MODEL_UNREACHABLE", `${url} answered ${res.status}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      const sha = createHash("sha256").update(bytes).digest("hex");
      if (sha !== opts.pins[file.pin]) throw new ModelFetchError("MODEL_CHECKSUM", `${file.path}: SHA-256 ${sha} does not match the pin; nothing was installed`);
      const final = path.join(opts.dir, file.installAs);
      fs.mkdirSync(path.dirname(final), { recursive: true });
      const tmp = path.join(path.dirname(final), `.${path.basename(final)}.${process.pid}.part`);
      fs.writeFileSync(tmp, bytes);
      staged.push([tmp, final]);
    }
    // Only when every file checked out does anything replace what was there.
    for (const [tmp, final] of staged) fs.renameSync(tmp, final);
    opts.log?.(`installed ${model.repo}@${revision} in ${opts.dir}`);
  } finally {
    for (const [tmp] of staged) fs.rmSync(tmp, { force: true });
  }
}
