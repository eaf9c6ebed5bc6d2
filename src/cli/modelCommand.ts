// `memvault model fetch [--revision R] --sha256-model H --sha256-tokenizer H [--endpoint URL]`
import { config } from "../config.ts";
import { fetchModel, PRODUCTION_MODEL } from "../rerank/fetchModel.ts";
import { CliError } from "./cliError.ts";

export async function modelCommand(
  sub: string | undefined,
  flags: { revision?: string; endpoint?: string; "sha256-model"?: string; "sha256-tokenizer"?: string },
): Promise<void> {
  if (sub !== "fetch") throw new CliError("USAGE", "usage: memvault model fetch --sha256-model H --sha256-tokenizer H [--revision R] [--endpoint URL]");
  await fetchModel({
    endpoint: flags.endpoint ?? "https://huggingface.co",
    repo: PRODUCTION_MODEL.repo,
    revision: flags.revision ?? PRODUCTION_MODEL.revision,
    dir: config.rerankModelDir(),
    pins: {
      ...(flags["sha256-model"] ? { "model.onnx": flags["sha256-model"] } : {}),
      ...(flags["sha256-tokenizer"] ? { "tokenizer.json": flags["sha256-tokenizer"] } : {}),
    },
    log: (line) => process.stderr.write(`[memvault] ${line}\n`),
  });
}
