// `memvault model fetch`: the production cross-encoder from the Hugging Face hub
// (resolve URLs), each file checked against a SHA-256 pin before it is moved into place.
// Nothing is trusted on first use: with no pin the command refuses.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { RerankError } from "./rerankError.ts";

export const PRODUCTION_MODEL = {
  repo: "cross-encoder/ms-marco-TinyBERT-L2-v2",
  revision: "main",
  files: [
    { name: "model.onnx", path: "onnx/model.onnx" },
    { name: "tokenizer.json", path: "tokenizer.json" },
  ],
} as const;

export type ModelFileName = (typeof PRODUCTION_MODEL.files)[number]["name"];

export interface FetchOptions {
  endpoint: string;
  repo: string;
  revision: string;
  dir: string;
  /** Expected SHA-256 (hex) of each file. */
  pins: Partial<Record<ModelFileName, string>>;
  log?: (line: string) => void;
}

export async function fetchModel(opts: FetchOptions): Promise<void> {
  for (const file of PRODUCTION_MODEL.files) {
    const pin = opts.pins[file.name];
    if (!pin || !/^[0-9a-f]{64}$/.test(pin)) {
      throw new RerankError("RERANK_BAD_INPUT", `no SHA-256 pin for ${file.name}: pass --sha256-${file.name === "model.onnx" ? "model" : "tokenizer"} (verified out of band)`);
    }
  }
  fs.mkdirSync(opts.dir, { recursive: true });
  const staged: [string, string][] = [];
  try {
    for (const file of PRODUCTION_MODEL.files) {
      const url = `${opts.endpoint.replace(/\/$/, "")}/${opts.repo}/resolve/${opts.revision}/${file.path}`;
      opts.log?.(`fetching ${url}`);
      let res: Response;
      try {
        res = await fetch(url, { redirect: "follow" });
      } catch (err) {
        throw new RerankError("RERANK_REMOTE", `cannot reach ${new URL(url).host} (no network here? copy the files into ${opts.dir} instead)`, { cause: err });
      }
      if (!res.ok) throw new RerankError("RERANK_REMOTE", `${url} answered ${res.status}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      const sha = createHash("sha256").update(bytes).digest("hex");
      if (sha !== opts.pins[file.name]) {
        throw new RerankError("RERANK_BAD_MODEL", `${file.name}: SHA-256 ${sha} does not match the pin; nothing was installed`);
      }
      const tmp = path.join(opts.dir, `.${file.name}.${process.pid}.part`);
      fs.writeFileSync(tmp, bytes);
      staged.push([tmp, path.join(opts.dir, file.name)]);
    }
    // Only when every file checked out does anything replace what was there.
    for (const [tmp, final] of staged) fs.renameSync(tmp, final);
    opts.log?.(`installed ${opts.repo}@${opts.revision} in ${opts.dir}`);
  } finally {
    for (const [tmp] of staged) fs.rmSync(tmp, { force: true });
  }
}
