// `memvault model fetch [--embedder] --sha256-model H --sha256-tokenizer H [--sha256-pooling H] [--revision R] [--endpoint URL]`
import { config } from "../config.ts";
import { EMBEDDER_MODEL, fetchModel, RERANKER_MODEL } from "../onnx/fetchModel.ts";
import { CliError } from "./cliError.ts";

export async function modelCommand(
  sub: string | undefined,
  flags: { revision?: string; endpoint?: string; embedder?: boolean; "sha256-model"?: string; "sha256-tokenizer"?: string; "sha256-pooling"?: string },
): Promise<void> {
  if (sub !== "fetch") {
    throw new CliError("USAGE", "usage: memvault model fetch [--embedder] --sha256-model H --sha256-tokenizer H [--sha256-pooling H (embedder)] [--revision R] [--endpoint URL]");
  }
  await fetchModel({
    endpoint: flags.endpoint ?? "https://huggingface.co",
    model: flags.embedder ? EMBEDDER_MODEL : RERANKER_MODEL,
    ...(flags.revision ? { revision: flags.revision } : {}),
    dir: flags.embedder ? config.embedderModelDir() : config.rerankModelDir(),
    pins: {
      ...(flags["sha256-model"] ? { model: flags["sha256-model"] } : {}),
      ...(flags["sha256-tokenizer"] ? { tokenizer: flags["sha256-tokenizer"] } : {}),
      ...(flags["sha256-pooling"] ? { pooling: flags["sha256-pooling"] } : {}),
    },
    log: (line) => process.stderr.write(`[memvault] ${line}\n`),
  });
}
