// `memvault model fetch [--embedder] --sha256-model H --sha256-tokenizer H [--sha256-pooling H]
//   [--rerank-file onnx/model_qint8_avx512_vnni.onnx --sha256-rerank-file H] [--revision R] [--endpoint URL]`
import { readEmbedConfig } from "../config/embedConfig.ts";
import { readRerankConfig } from "../config/rerankConfig.ts";
import { EMBEDDER_MODEL, fetchModel, RERANKER_MODEL, rerankerWithFile } from "../onnx/fetchModel.ts";
import { CliError } from "./cliError.ts";

export async function modelCommand(
  sub: string | undefined,
  flags: {
    revision?: string;
    endpoint?: string;
    embedder?: boolean;
    "sha256-model"?: string;
    "sha256-tokenizer"?: string;
    "sha256-pooling"?: string;
    "rerank-file"?: string;
    "sha256-rerank-file"?: string;
  },
): Promise<void> {
  const usage =
    "usage: memvault model fetch [--embedder] --sha256-model H --sha256-tokenizer H [--sha256-pooling H (embedder)] [--rerank-file onnx/<export>.onnx --sha256-rerank-file H (reranker)] [--revision R] [--endpoint URL]";
  if (sub !== "fetch") throw new CliError("USAGE", usage);
  const extra = flags["rerank-file"];
  if (extra !== undefined && (flags.embedder || !/^onnx\/[A-Za-z0-9_.-]+\.onnx$/.test(extra))) {
    throw new CliError("USAGE", `--rerank-file takes a reranker export under onnx/ (e.g. onnx/model_qint8_avx512_vnni.onnx); ${usage}`);
  }
  await fetchModel({
    endpoint: flags.endpoint ?? "https://huggingface.co",
    model: flags.embedder ? EMBEDDER_MODEL : extra ? rerankerWithFile(extra) : RERANKER_MODEL,
    ...(flags.revision ? { revision: flags.revision } : {}),
    dir: flags.embedder ? readEmbedConfig().EMBEDDER_MODEL_DIR : readRerankConfig().RERANK_MODEL_DIR,
    pins: {
      ...(flags["sha256-model"] ? { model: flags["sha256-model"] } : {}),
      ...(flags["sha256-tokenizer"] ? { tokenizer: flags["sha256-tokenizer"] } : {}),
      ...(flags["sha256-pooling"] ? { pooling: flags["sha256-pooling"] } : {}),
      ...(flags["sha256-rerank-file"] ? { "rerank-file": flags["sha256-rerank-file"] } : {}),
    },
    log: (line) => process.stderr.write(`[memvault] ${line}\n`),
  });
}
