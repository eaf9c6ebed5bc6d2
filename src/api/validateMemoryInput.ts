// The same limits the database enforces (chunk_ingest CHECKs, vector(n)), checked first so
// that a client gets a precise code; the database stays the last line.
import { InputError } from "./inputError.ts";

export interface MemoryInput {
  id?: string;
  text: string;
  meta?: Record<string, unknown>;
  embedding: number[];
}

export interface Limits {
  dims: number;
  maxTextBytes: number;
  maxMetaBytes: number;
}

export function validateMemoryInput(input: MemoryInput, limits: Limits): { metaJson: string; vector: string } {
  if (typeof input.text !== "string" || input.text.length === 0) throw new InputError("TEXT_EMPTY", "text must not be empty");
  if (Buffer.byteLength(input.text, "utf8") > limits.maxTextBytes) {
    throw new InputError("TEXT_TOO_LONG", `text must be at most ${limits.maxTextBytes} bytes`);
  }
  const meta = input.meta ?? {};
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) throw new InputError("META_NOT_OBJECT", "meta must be a JSON object");
  const metaJson = JSON.stringify(meta);
  if (Buffer.byteLength(metaJson, "utf8") > limits.maxMetaBytes) {
    throw new InputError("META_TOO_LARGE", `meta must be at most ${limits.maxMetaBytes} bytes as JSON`);
  }
  return { metaJson, vector: validateEmbedding(input.embedding, limits.dims) };
}

/** pgvector's text form of a checked embedding. */
export function validateEmbedding(embedding: number[], dims: number): string {
  if (!Array.isArray(embedding) || embedding.length !== dims) {
    throw new InputError("EMBEDDING_DIMENSION", `embedding must have ${dims} dimensions`);
  }
  if (!embedding.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new InputError("EMBEDDING_NOT_FINITE", "embedding values must be finite numbers");
  }
  return `[${embedding.join(",")}]`;
}
